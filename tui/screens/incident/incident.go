// Package incident is the form n opens: a new incident's title (pre-filled
// from the workload), severity and affected workload. Enter opens it
// through common.Incidents, in a command (it writes the journal); the
// root then closes the form and says where the journal is. When an
// incident is already current the form asks first: a second incident is
// rare, but an on-call engineer may need one. Journaling is not a cluster
// change, so the form works in read-only mode.
package incident

import (
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
)

// Severities are the levels offered, most severe first.
func Severities() []string { return []string{"SEV1", "SEV2", "SEV3", "SEV4"} }

// defaultSeverity is SEV2: serious, and the common case of a bad deploy.
const defaultSeverity = 1

// OpenedMsg says the incident was opened: the root closes the form,
// shows Path and makes the incident current on the status bar.
type OpenedMsg struct {
	Incident journal.Incident
	// Path is the journal file, shortened for display (~ for the home
	// directory) and escaped.
	Path string
}

// openedMsg is Open's answer, for the form that asked.
type openedMsg struct {
	seq  int
	inc  journal.Incident
	path string
	err  error
}

// infoMsg is who the journal records as owner, and where it is kept.
type infoMsg struct{ actor, dir string }

type field int

const (
	fieldTitle field = iota
	fieldSeverity
	fields
)

// Screen is the form.
type Screen struct {
	c         *common.Common
	incidents common.Incidents
	ref       rollout.Ref
	hasRef    bool
	// current is the incident current when n was pressed: the form asks
	// before opening another.
	current    *journal.Incident
	confirming bool

	title    textinput.Model
	severity int
	focus    field

	actor, dir    string // escaped, from infoMsg
	opening       bool
	seq           int
	problem       string // why the last attempt failed, or what is missing (escaped)
	width, height int
}

// New returns the form for ref (none: an incident about no workload yet)
// and the command that reads the owner and the journal directory.
// current, when set, is the incident already current.
func New(c *common.Common, in common.Incidents, ref rollout.Ref, hasRef bool, current *journal.Incident) (Screen, tea.Cmd) {
	ti := textinput.New()
	ti.Prompt = ""
	ti.CharLimit = 200
	ti.Placeholder = "what is happening, in a few words"
	st := ti.Styles()
	// A static cursor: no blink timer behind a form that is up for
	// seconds.
	st.Cursor.Blink = false
	st.Focused.Text, st.Blurred.Text = c.Styles.Base, c.Styles.Base
	st.Focused.Placeholder, st.Blurred.Placeholder = c.Styles.Muted, c.Styles.Muted
	ti.SetStyles(st)
	if hasRef {
		ti.SetValue(ref.Name + " errors")
		ti.CursorEnd()
	}
	ti.Focus()
	s := Screen{c: c, incidents: in, ref: ref, hasRef: hasRef, current: current, confirming: current != nil,
		title: ti, severity: defaultSeverity}
	return s, func() tea.Msg { return infoMsg{actor: textsafe.String(in.Actor()), dir: ShortPath(in.Dir())} }
}

// ShortPath is a path for display: the home directory as ~, escaped.
func ShortPath(p string) string {
	if home, err := os.UserHomeDir(); err == nil && home != "" && home != string(filepath.Separator) {
		if rel, err := filepath.Rel(home, p); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			p = filepath.Join("~", rel)
		}
	}
	return textsafe.String(p)
}

// Title names the screen.
func (s Screen) Title() string { return "Open an incident" }

// KeyMap is the form's keys.
func (s Screen) KeyMap() help.KeyMap { return s.c.Keys.Incident }

// CapturesInput is true: letters are the title's (q is not quit here).
func (s Screen) CapturesInput() bool { return true }

// Commands: only leaving.
func (s Screen) Commands() []common.Command {
	return []common.Command{{Title: "Cancel: open no incident", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}}}
}

// SetSize sets the body area.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	s.title.SetWidth(max(min(s.width-16, 60), 1))
	return s
}

// Confirming reports whether the form asks before opening a second
// incident.
func (s Screen) Confirming() bool { return s.confirming }

// Value is the title typed; Severity the one chosen.
func (s Screen) Value() string    { return s.title.Value() }
func (s Screen) Severity() string { return Severities()[s.severity] }

// Problem is what stopped the last attempt ("" none).
func (s Screen) Problem() string { return s.problem }

// Update handles the form's keys and Open's answer.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case infoMsg:
		s.actor, s.dir = msg.actor, msg.dir
	case openedMsg:
		if msg.seq != s.seq || !s.opening {
			return s, nil
		}
		s.opening = false
		if msg.err != nil {
			s.problem = "could not open the incident: " + textsafe.String(msg.err.Error())
			return s, nil
		}
		opened := OpenedMsg{Incident: msg.inc, Path: msg.path}
		return s, func() tea.Msg { return opened }
	case tea.PasteMsg:
		if !s.confirming && s.focus == fieldTitle {
			var cmd tea.Cmd
			s.title, cmd = s.title.Update(tea.PasteMsg{Content: oneLine(msg.Content)})
			return s, cmd
		}
	case tea.KeyPressMsg:
		return s.key(msg)
	}
	return s, nil
}

func (s Screen) key(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	k := s.c.Keys.Incident
	back := key.Matches(msg, s.c.Keys.Global.Back)
	if s.confirming {
		switch {
		case back:
			return s, func() tea.Msg { return common.BackMsg{} }
		case key.Matches(msg, k.Submit) || msg.String() == "y":
			s.confirming = false
		}
		return s, nil
	}
	if s.opening {
		// The journal is being written: only leaving is possible (the
		// incident may still be opened; the status bar will say).
		if back {
			return s, func() tea.Msg { return common.BackMsg{} }
		}
		return s, nil
	}
	switch {
	case back:
		return s, func() tea.Msg { return common.BackMsg{} }
	case key.Matches(msg, k.Submit):
		return s.submit()
	case key.Matches(msg, k.NextField):
		s.setFocus((s.focus + 1) % fields)
		return s, nil
	case key.Matches(msg, k.PreviousField):
		s.setFocus((s.focus + fields - 1) % fields)
		return s, nil
	}
	if s.focus == fieldSeverity {
		switch {
		case key.Matches(msg, k.RaiseSeverity):
			s.severity = max(s.severity-1, 0)
		case key.Matches(msg, k.LowerSeverity):
			s.severity = min(s.severity+1, len(Severities())-1)
		default:
			// 1-4 pick a level directly.
			if t := msg.Text; len(t) == 1 && t[0] >= '1' && t[0] <= '4' {
				s.severity = int(t[0] - '1')
			}
		}
		return s, nil
	}
	var cmd tea.Cmd
	s.title, cmd = s.title.Update(msg)
	if s.problem != "" && strings.TrimSpace(s.title.Value()) != "" {
		s.problem = ""
	}
	return s, cmd
}

func (s *Screen) setFocus(f field) {
	s.focus = f
	if f == fieldTitle {
		s.title.Focus()
	} else {
		s.title.Blur()
	}
}

// submit checks the form and opens the incident in a command.
func (s Screen) submit() (common.Screen, tea.Cmd) {
	title := strings.TrimSpace(s.title.Value())
	if title == "" {
		s.problem = "a title is required: what is happening, in a few words"
		s.setFocus(fieldTitle)
		return s, nil
	}
	o := journal.Opened{Title: title, Severity: s.Severity()}
	if s.hasRef {
		o.Workloads = []journal.Workload{{Namespace: s.ref.Namespace, Name: s.ref.String()}}
	}
	s.opening, s.problem = true, ""
	s.seq++
	in, seq := s.incidents, s.seq
	return s, func() tea.Msg {
		inc, err := in.Open(o)
		return openedMsg{seq: seq, inc: inc, path: ShortPath(inc.Path), err: err}
	}
}

// oneLine drops control characters (a pasted newline would end nothing:
// the title is one line).
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}
