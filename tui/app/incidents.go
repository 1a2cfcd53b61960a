package app

import (
	"slices"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/components/statusbar"
	"github.com/mayday-tui/mayday/tui/screens/history"
	incidentform "github.com/mayday-tui/mayday/tui/screens/incident"
	"github.com/mayday-tui/mayday/tui/screens/report"
	"github.com/mayday-tui/mayday/tui/screens/workloads"
	"github.com/mayday-tui/mayday/tui/workload"
)

// defaultIncidentsReason is why incidents are unavailable when the
// console was given no journal and no reason.
const defaultIncidentsReason = "incidents are unavailable: this console has no incident journal"

// incidents is what the root knows of the journal, read in commands
// (Current, Lookup and Pending may read files).
type incidents struct {
	current *journal.Incident
	actor   string
	// pending are the actions whose outcome is unknown, read at start.
	pending []journal.PendingIntent
	// marks are the workloads whose incident is in progress; a lookup is
	// in flight while busy, and again asks for another after it.
	marks       map[rollout.Ref]finder.InProgress
	marksSeq    int
	busy, again bool
	rows        []workload.Row // the newest snapshot, for the next lookup
	// unavailable are the incident keys as configured, kept to say why
	// they do nothing when the console has no journal.
	unavailable []key.Binding
}

// incidentReadMsg is the current incident (and, at start, the pending
// actions) as the journal has them.
type incidentReadMsg struct {
	current     journal.Incident
	ok          bool
	actor       string
	pending     []journal.PendingIntent
	withPending bool
}

// marksMsg is a lookup of the incidents named on the workloads.
type marksMsg struct {
	seq   int
	marks map[rollout.Ref]finder.InProgress
}

// openIncidentMsg and openReportMsg come from the palette.
type openIncidentMsg struct {
	ref    rollout.Ref
	hasRef bool
}
type openReportMsg struct{}

// readIncident asks the journal for the current incident; withPending
// also for the actions whose outcome is unknown.
func readIncident(in common.Incidents, withPending bool) tea.Cmd {
	if in == nil {
		return nil
	}
	return func() tea.Msg {
		cur, ok := in.Current()
		msg := incidentReadMsg{current: cur, ok: ok, actor: in.Actor(), withPending: withPending}
		if withPending {
			msg.pending = in.Pending()
		}
		return msg
	}
}

// lookupMarks finds, for each workload naming an incident, whether that
// incident is in progress here, closed here, or kept on another machine.
// Each incident is looked up once.
func lookupMarks(in common.Incidents, rows []workload.Row, seq int) tea.Cmd {
	return func() tea.Msg {
		type found struct {
			inc journal.Incident
			ok  bool
		}
		seen := map[string]found{}
		marks := map[rollout.Ref]finder.InProgress{}
		for i := range rows {
			r := &rows[i]
			if r.Incident == "" {
				continue
			}
			f, done := seen[r.Incident]
			if !done {
				f.inc, f.ok = in.Lookup(r.Incident)
				seen[r.Incident] = f
			}
			p := finder.InProgress{ID: r.Incident, By: r.IncidentBy}
			if f.ok {
				if f.inc.Status == journal.StatusClosed {
					continue
				}
				p.Local, p.Owner, p.Actions = true, textsafe.String(f.inc.Owner), f.inc.Actions
			}
			marks[r.Ref] = p
		}
		return marksMsg{seq: seq, marks: marks}
	}
}

// requestMarks looks the marks up again, or once the lookup in flight is
// done: a burst of cluster changes costs one lookup at a time.
func (m *Model) requestMarks() tea.Cmd {
	in := m.opts.Incidents
	if in == nil {
		return nil
	}
	if m.inc.busy {
		m.inc.again = true
		return nil
	}
	m.inc.busy, m.inc.again = true, false
	m.inc.marksSeq++
	return lookupMarks(in, m.inc.rows, m.inc.marksSeq)
}

func (m Model) marksLooked(msg marksMsg) (Model, tea.Cmd) {
	if msg.seq != m.inc.marksSeq {
		return m, nil
	}
	m.inc.busy = false
	m.inc.marks = msg.marks
	cmds := []tea.Cmd{m.broadcast(finder.InProgressMsg{Workloads: msg.marks})}
	if m.inc.again {
		cmds = append(cmds, m.requestMarks())
	}
	return m, tea.Batch(cmds...)
}

// incidentRead updates the status bar and, when the incident changed
// (another one, or new records), the marks.
func (m Model) incidentRead(msg incidentReadMsg) (Model, tea.Cmd) {
	before := m.inc.current
	m.inc.actor = textsafe.String(msg.actor)
	if msg.ok {
		cur := msg.current
		m.inc.current = &cur
		m.status.SetIncident(&statusbar.Incident{ID: textsafe.String(cur.ID), Severity: textsafe.String(cur.Severity), Actions: cur.Actions})
	} else {
		m.inc.current = nil
		m.status.SetIncident(nil)
	}
	var cmds []tea.Cmd
	if msg.withPending {
		m.inc.pending = msg.pending
		cmds = append(cmds, m.broadcast(finder.UnknownOutcomeMsg{Notice: m.unknownNotice()}))
	}
	changed := (before == nil) != (m.inc.current == nil) ||
		before != nil && (before.ID != m.inc.current.ID || before.Records != m.inc.current.Records || before.Status != m.inc.current.Status)
	if changed {
		cmds = append(cmds, m.requestMarks())
	}
	return m, tea.Batch(cmds...)
}

// unknownNotice tells of the actions whose outcome is unknown: the
// first in words, how many more, and what to do.
func (m Model) unknownNotice() string {
	p := m.inc.pending
	if len(p) == 0 {
		return ""
	}
	first := p[0]
	ids := []string{}
	for _, x := range p {
		if !slices.Contains(ids, x.Incident) {
			ids = append(ids, x.Incident)
		}
	}
	text := finder.Count(len(p), "action") + " with outcome unknown in " + textsafe.String(first.Incident)
	if len(ids) > 1 {
		text += " and " + finder.Count(len(ids)-1, "other incident")
	}
	a := first.Action
	text += ": " + textsafe.String(a.Action+" "+a.Workload.Name)
	if a.Description != "" {
		text += " (" + textsafe.String(a.Description) + ")"
	}
	if len(p) > 1 {
		text += " and " + strconv.Itoa(len(p)-1) + " more"
	}
	// The second line says what to do.
	what := "\ncheck the workload before acting on it again"
	if len(p) > 1 {
		what = "\ncheck the workloads before acting on them again"
	}
	if b := m.c.Keys.Finder.Report; b.Enabled() {
		what += " (press " + b.Help().Key + " for the incident)"
	}
	what += "; the palette's \"incident: reconcile\" reads them back"
	return text + what
}

// incidentTarget is the workload n opens an incident about on the
// screen on top, and the keys of that screen; ok is false where n and i
// do nothing.
func (m Model) incidentTarget() (ref rollout.Ref, hasRef bool, open, rep key.Binding, ok bool) {
	k := m.c.Keys
	switch s := m.Top().(type) {
	case workloads.Screen:
		r, has := s.Finder().Selected()
		return r.Ref, has, k.Finder.OpenIncident, k.Finder.Report, true
	case history.Screen:
		return s.Workload(), true, k.History.OpenIncident, k.History.Report, true
	}
	return rollout.Ref{}, false, key.Binding{}, key.Binding{}, false
}

// incidentKey handles n and i on the finder and the history; without a
// journal it says why they do nothing.
func (m Model) incidentKey(msg tea.KeyPressMsg) (Model, tea.Cmd, bool) {
	ref, hasRef, open, rep, ok := m.incidentTarget()
	if !ok {
		return m, nil, false
	}
	switch {
	case key.Matches(msg, open):
		next, cmd := m.openIncident(ref, hasRef)
		return next, cmd, true
	case key.Matches(msg, rep):
		next, cmd := m.openReport()
		return next, cmd, true
	}
	if m.opts.Incidents == nil {
		for _, b := range m.inc.unavailable {
			if key.Matches(msg, b) {
				m.status.Flash(m.incidentsReason(), true)
				return m, nil, true
			}
		}
	}
	return m, nil, false
}

func (m Model) incidentsReason() string {
	if m.opts.IncidentsReason != "" {
		return m.opts.IncidentsReason
	}
	return defaultIncidentsReason
}

// openIncident pushes the form (which asks first when an incident is
// current).
func (m Model) openIncident(ref rollout.Ref, hasRef bool) (Model, tea.Cmd) {
	if m.opts.Incidents == nil {
		m.status.Flash(m.incidentsReason(), true)
		return m, nil
	}
	s, cmd := incidentform.New(m.c, m.opts.Incidents, ref, hasRef, m.inc.current)
	return m.push(s), cmd
}

// opened closes the form, says where the journal is and makes the
// incident current.
func (m Model) opened(msg incidentform.OpenedMsg) (Model, tea.Cmd) {
	if _, ok := m.Top().(incidentform.Screen); ok {
		m = m.back()
	}
	inc := msg.Incident
	m.status.Flash("opened "+textsafe.String(inc.ID)+" (journal "+msg.Path+")", false)
	m, cmd := m.incidentRead(incidentReadMsg{current: inc, ok: true, actor: m.inc.actor})
	return m, tea.Batch(cmd, readIncident(m.opts.Incidents, false))
}

// openReport shows the current incident's report; with none, that of the
// first action whose outcome is unknown; else says how to open one.
func (m Model) openReport() (Model, tea.Cmd) {
	in := m.opts.Incidents
	if in == nil {
		m.status.Flash(m.incidentsReason(), true)
		return m, nil
	}
	var path, id string
	switch {
	case m.inc.current != nil:
		id, path = m.inc.current.ID, m.inc.current.Path
		if path == "" {
			path = journal.Path(in.Dir(), id)
		}
	case len(m.inc.pending) > 0:
		id, path = m.inc.pending[0].Incident, m.inc.pending[0].Path
	default:
		text := "no incident yet"
		if b := m.c.Keys.Finder.OpenIncident; b.Enabled() {
			text += ": press " + b.Help().Key + " to open one"
		}
		m.status.Flash(text, false)
		return m, nil
	}
	s, cmd := report.New(m.c, report.Options{Journal: path, ID: id, Actor: m.inc.actor,
		TemplateName: m.opts.ReportTemplateName, Template: m.opts.ReportTemplate})
	return m.push(s), cmd
}

// incidentCommands are the palette's incident entries.
func (m Model) incidentCommands() []common.Command {
	if m.opts.Incidents == nil {
		return nil
	}
	var out []common.Command
	if ref, hasRef, open, _, ok := m.incidentTarget(); ok {
		title := "incident: open"
		if hasRef {
			title += " (" + textsafe.String(ref.String()) + ")"
		}
		out = append(out, common.Command{Title: title, Keys: open.Help().Key, Msg: openIncidentMsg{ref: ref, hasRef: hasRef}})
	}
	if len(m.inc.pending) > 0 {
		out = append(out, common.Command{Title: "incident: reconcile the actions with outcome unknown", Msg: reconcileMsg{}})
	}
	if _, onReport := m.Top().(report.Screen); !onReport {
		c := common.Command{Title: "incident: report", Msg: openReportMsg{}}
		if _, _, _, rep, ok := m.incidentTarget(); ok {
			c.Keys = rep.Help().Key
		}
		out = append(out, c)
	}
	return out
}

// reconcileMsg asks, from the palette, to settle the actions whose
// outcome is unknown; reconciledMsg is what the cluster said.
type (
	reconcileMsg  struct{}
	reconciledMsg struct {
		lines   []string
		err     error
		pending []journal.PendingIntent
	}
)

// reconcile reads the pending actions' objects back, off the update loop.
func (m Model) reconcile() (Model, tea.Cmd) {
	in, ctx := m.opts.Incidents, m.opts.Ctx
	m.status.Flash("reconciling "+finder.Count(len(m.inc.pending), "action")+" with the cluster…", false)
	return m, func() tea.Msg {
		lines, err := in.Reconcile(ctx)
		return reconciledMsg{lines: lines, err: err, pending: in.Pending()}
	}
}

// reconciled shows what was found and refreshes the notice.
func (m Model) reconciled(msg reconciledMsg) (Model, tea.Cmd) {
	m.inc.pending = msg.pending
	switch {
	case msg.err != nil:
		m.status.Flash("reconcile: "+textsafe.String(msg.err.Error()), true)
	case len(msg.pending) == 0:
		m.status.Flash("reconciled: "+textsafe.String(strings.Join(msg.lines, "; ")), false)
	default:
		m.status.Flash(finder.Count(len(msg.pending), "action")+" still with outcome unknown: check by hand ("+textsafe.String(strings.Join(msg.lines, "; "))+")", true)
	}
	return m, tea.Batch(m.broadcast(finder.UnknownOutcomeMsg{Notice: m.unknownNotice()}), readIncident(m.opts.Incidents, false))
}
