// Package report is the incident report screen (i): the report drafted
// from the incident's journal, rendered with glamour and scrolled; its
// free-text sections edited in place (e), every change saved next to
// the journal as it is typed; and its Markdown exported (x) next to the
// journal, as `mayday report ID` prints it.
//
// Nothing here blocks Update: the journal is read, drafted and rendered
// in commands (a journal of thousands of records takes a while), and the
// last render stays on screen meanwhile. On the console's tick the
// journal and the edits are stat'ed; a change drafts again.
package report

import (
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/keys"
)

// Options say which report to show and how.
type Options struct {
	// Journal is the incident's journal file; ID its incident.
	Journal string
	ID      string
	// Actor is who the saved edits are attributed to.
	Actor string
	// TemplateName and Template are the team's report template (empty:
	// the built-in one), as `mayday report` uses it.
	TemplateName, Template string
	// Location is the time zone of the report's times (nil: local, as
	// `mayday report` without --utc).
	Location *time.Location
}

// costly is a draft and render worth spacing out.
const costly = 100 * time.Millisecond

// Messages answer the screen's commands; each carries the journal it is
// about, and a sequence number where a newer request supersedes it.
type (
	draftedMsg struct {
		path string
		seq  int
		d    Drafted
		fp   fingerprint
		err  error
		took time.Duration
	}
	renderedMsg struct {
		path string
		seq  int
		look look
		// vp holds the render, its lines split and measured in the
		// command (thousands of lines take tens of milliseconds).
		vp   viewport.Model
		err  error
		took time.Duration
	}
	statMsg struct {
		path string
		fp   fingerprint
	}
	savedMsg struct {
		path string
		at   time.Time
		err  error
	}
	exportedMsg struct {
		path, file string
		err        error
	}
)

// Screen is the report of one incident.
type Screen struct {
	c             *common.Common
	o             Options
	width, height int

	// The last draft.
	md       []byte
	inc      journal.Incident
	records  int
	warnings int
	problem  string // why the journal cannot be drafted (escaped)
	loaded   bool
	fp       fingerprint
	drafting bool
	draftSeq int
	again    bool // the journal changed while drafting
	// cost is what the last draft and render took; a costly report is
	// drafted again at most every 4×cost (clock time from the ticks).
	cost, draftCost, renderCost time.Duration
	tickAt, draftAt             time.Time

	// The last render, for look.
	vp        viewport.Model
	look      look
	rendered  bool // something was rendered (for look)
	stale     bool // a newer draft awaits its render
	rendering bool
	renderSeq int

	// The engineer's text: the newest, as typed (saved or being saved).
	edits    report.Edits
	editsErr string // the saved edits are damaged: editing is refused

	editing bool
	section int
	ta      textarea.Model
	saving  bool
	queued  *report.Edits // newest edits waiting for the save in flight
	savedAt time.Time
	saveErr string

	note    string // the last export's outcome, or a refusal (escaped)
	noteErr bool
}

// New returns the screen and the command drafting the report.
func New(c *common.Common, o Options) (Screen, tea.Cmd) {
	if o.Location == nil {
		o.Location = time.Local
	}
	s := Screen{c: c, o: o, vp: newViewport(), ta: newEditor(c)}
	return s, s.draft()
}

// Title names the incident.
func (s Screen) Title() string { return "Report " + textsafe.String(s.o.ID) }

// KeyMap is the editor's keys while editing, else the report's.
func (s Screen) KeyMap() help.KeyMap {
	if s.editing {
		return keys.ReportEditing(s.c.Keys.Report)
	}
	return s.c.Keys.Report
}

// CapturesInput is true while the editor has focus.
func (s Screen) CapturesInput() bool { return s.editing }

// Commands are the palette's entries.
func (s Screen) Commands() []common.Command {
	k := s.c.Keys.Report
	var out []common.Command
	if !s.editing {
		if k.Edit.Enabled() {
			out = append(out, common.Command{Title: "report: edit a section", Keys: k.Edit.Help().Key, Msg: editMsg{}})
		}
		if k.Export.Enabled() {
			out = append(out, common.Command{Title: "report: export Markdown", Keys: k.Export.Help().Key, Msg: exportMsg{}})
		}
	}
	return append(out, common.Command{Title: "Back", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}})
}

type editMsg struct{}
type exportMsg struct{}

// Journal is the journal shown.
func (s Screen) Journal() string { return s.o.Journal }

// Markdown is the last draft's Markdown (nil before the first).
func (s Screen) Markdown() []byte { return s.md }

// Editing reports whether a section is being edited, and which.
func (s Screen) Editing() (string, bool) { return report.Sections()[s.section], s.editing }

// Saving reports whether edits are being written.
func (s Screen) Saving() bool { return s.saving || s.queued != nil }

// SetSize gives the viewport the body under the title line and above the
// status line.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	s.vp.SetWidth(s.width)
	s.vp.SetHeight(max(s.height-2, 0))
	s.sizeEditor()
	return s
}

// Relayout renders the report again for a new size or colour profile
// (the root calls it once those changed); the last render stays on
// screen until the new one arrives.
func (s Screen) Relayout() (common.Screen, tea.Cmd) {
	cmd := s.rerender()
	return s, cmd
}

// Update routes the commands' answers, the tick and keys.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	next, cmd := s.update(msg)
	// A new width or colour profile: render again (a big report in a
	// command, keeping the last render meanwhile).
	if r := next.rerender(); r != nil {
		return next, tea.Batch(cmd, r)
	}
	return next, cmd
}

func (s Screen) update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case draftedMsg:
		if msg.path == s.o.Journal && msg.seq == s.draftSeq {
			return s.drafted(msg)
		}
	case renderedMsg:
		if msg.path == s.o.Journal && msg.seq == s.renderSeq {
			s.rendering = false
			s.renderCost = msg.took
			s.cost = s.draftCost + s.renderCost
			s.setRender(msg.look, msg.vp, msg.err)
		}
	case statMsg:
		if msg.path == s.o.Journal && msg.fp != s.fp {
			return s, s.redraft()
		}
	case savedMsg:
		if msg.path == s.o.Journal {
			return s.saved(msg)
		}
	case exportedMsg:
		if msg.path == s.o.Journal {
			s.exported(msg)
		}
	case common.TickMsg:
		// Not while editing (the report is hidden and every keystroke
		// changes the edits file), nor sooner than a big report's cost
		// allows: drafting and rendering thousands of records takes CPU
		// a shared bastion needs.
		busy := s.cost > costly && msg.Now.Before(s.draftAt.Add(4*s.cost))
		if !s.drafting && !s.editing && !busy {
			s.tickAt = msg.Now
			return s, s.lookForChanges()
		}
	case editMsg:
		return s.startEditing()
	case exportMsg:
		return s, s.export()
	case tea.PasteMsg:
		if s.editing {
			return s.edit(msg)
		}
	case tea.KeyPressMsg:
		if s.editing {
			return s.editorKey(msg)
		}
		return s.key(msg)
	}
	return s, nil
}

func (s Screen) key(msg tea.KeyPressMsg) (Screen, tea.Cmd) {
	k := s.c.Keys.Report
	switch {
	case key.Matches(msg, k.Up):
		s.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		s.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		s.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		s.vp.PageDown()
	case key.Matches(msg, k.Top):
		s.vp.GotoTop()
	case key.Matches(msg, k.Bottom):
		s.vp.GotoBottom()
	case key.Matches(msg, k.Edit):
		return s.startEditing()
	case key.Matches(msg, k.Export):
		return s, s.export()
	case key.Matches(msg, s.c.Keys.Global.Back):
		return s, func() tea.Msg { return common.BackMsg{} }
	}
	return s, nil
}

// lookForChanges stats the journal and the edits in a command.
func (s Screen) lookForChanges() tea.Cmd {
	path := s.o.Journal
	return func() tea.Msg { return statMsg{path: path, fp: stat(path)} }
}

// draft starts drafting the report from the journal on disk.
func (s *Screen) draft() tea.Cmd {
	s.draftSeq++
	s.drafting, s.again = true, false
	path, seq, o, now := s.o.Journal, s.draftSeq, s.o, s.c.Now
	s.draftAt = s.tickAt
	return func() tea.Msg {
		start := time.Now()
		fp := stat(path) // before reading: a change during the read drafts again
		d, err := Draft(path, nil, o.TemplateName, o.Template, now(), o.Location)
		return draftedMsg{path: path, seq: seq, d: d, fp: fp, err: err, took: time.Since(start)}
	}
}

// redraft drafts again, or once the draft in flight is done.
func (s *Screen) redraft() tea.Cmd {
	if s.drafting {
		s.again = true
		return nil
	}
	return s.draft()
}

func (s Screen) drafted(msg draftedMsg) (Screen, tea.Cmd) {
	s.drafting = false
	s.draftCost = msg.took
	s.cost = s.draftCost + s.renderCost
	s.fp = msg.fp
	s.loaded = true
	if msg.err != nil {
		var nf *journal.NotFoundError
		if s.md == nil || !errors.As(msg.err, &nf) {
			s.problem = textsafe.String(msg.err.Error())
		}
	} else {
		s.problem = ""
		s.md, s.inc, s.records, s.warnings = msg.d.Markdown, msg.d.Incident, msg.d.Records, msg.d.Warnings
		// The text being typed is newer than the file: keep it.
		if !s.editing && !s.Saving() {
			s.edits, s.editsErr = msg.d.Edits, ""
			if msg.d.EditsErr != nil {
				// The path is long and the JSON error says little to the
				// reader: the file's name, and that the draft goes without.
				s.editsErr = base(report.EditsPath(s.o.Journal)) + " is damaged"
			}
		}
		s.stale = true
	}
	var cmd tea.Cmd
	if s.again {
		cmd = s.draft()
	}
	return s, cmd
}

// rerender renders again, in a command, when the draft, the width or the
// colour profile changed since the last render: glamour takes about 10 ms
// for a short report and grows with it, too much for Update.
func (s *Screen) rerender() tea.Cmd {
	if s.md == nil || s.width <= 0 || s.rendering {
		return nil
	}
	l := lookFor(s.c.Styles, s.width)
	if s.rendered && l == s.look && !s.stale {
		return nil
	}
	s.stale = false
	s.renderSeq++
	s.rendering = true
	md, path, seq, w, h := s.md, s.o.Journal, s.renderSeq, s.vp.Width(), s.vp.Height()
	return func() tea.Msg {
		start := time.Now()
		text, err := render(md, l)
		vp := newViewport()
		vp.SetWidth(w)
		vp.SetHeight(h)
		vp.SetContentLines(strings.Split(text, "\n"))
		return renderedMsg{path: path, seq: seq, look: l, vp: vp, err: err, took: time.Since(start)}
	}
}

func newViewport() viewport.Model {
	vp := viewport.New()
	vp.KeyMap = viewport.KeyMap{} // the screen's own keys scroll it
	return vp
}

// setRender shows a render at the current size and scroll position.
func (s *Screen) setRender(l look, vp viewport.Model, err error) {
	s.look, s.rendered = l, true
	if err != nil {
		s.problem = "rendering the report: " + textsafe.String(err.Error())
		return
	}
	y, w, h := s.vp.YOffset(), s.vp.Width(), s.vp.Height()
	s.vp = vp
	s.vp.SetWidth(w)
	s.vp.SetHeight(h)
	s.vp.SetYOffset(y)
}
