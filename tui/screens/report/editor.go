package report

import (
	"path/filepath"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/atomicfile"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/screens/incident"
)

// SectionTitle names an editable section for people.
func SectionTitle(section string) string {
	switch section {
	case "summary":
		return "Summary"
	case "root-cause":
		return "Root cause"
	case "lessons-learned":
		return "Lessons learned"
	case "action-items":
		return "Action items"
	}
	return section
}

// prompts are what the report says in a section nobody wrote yet: the
// editor shows them as its placeholder.
func prompts(section string) string {
	switch section {
	case "summary":
		return "What happened, in two or three sentences, for someone who was not there."
	case "root-cause":
		return "What changed, and why did it hurt? (until you write here, the report shows the evidence's hints as a draft)"
	case "lessons-learned":
		return "What went well?\nWhat went badly?\nWhere were we lucky?"
	case "action-items":
		return "- [ ] Action — owner — due date (prevent, detect sooner, recover faster)"
	}
	return ""
}

func sectionText(e report.Edits, section string) string {
	switch section {
	case "summary":
		return e.Summary
	case "root-cause":
		return e.RootCause
	case "lessons-learned":
		return e.LessonsLearned
	case "action-items":
		return e.ActionItems
	}
	return ""
}

func newEditor(c *common.Common) textarea.Model {
	ta := textarea.New()
	ta.ShowLineNumbers = false
	ta.Prompt = "│ "
	ta.CharLimit = 0
	ta.MaxHeight = 0
	st := ta.Styles()
	// A static cursor: no blink timer while typing.
	st.Cursor.Blink = false
	for _, ss := range []*textarea.StyleState{&st.Focused, &st.Blurred} {
		ss.Text = c.Styles.Base
		ss.Placeholder = c.Styles.Muted
		ss.Prompt = c.Styles.Accent
		ss.CursorLine = c.Styles.Base
		ss.EndOfBuffer = c.Styles.Muted
	}
	ta.SetStyles(st)
	return ta
}

// sizeEditor fits the textarea under the section line and above the
// status line.
func (s *Screen) sizeEditor() {
	s.ta.SetWidth(max(s.width, 1))
	s.ta.SetHeight(max(s.height-3, 1))
}

// startEditing opens the editor on the current section.
func (s Screen) startEditing() (Screen, tea.Cmd) {
	switch {
	case !s.loaded:
		s.note, s.noteErr = "the report is still being drafted", true
		return s, nil
	case s.md == nil:
		s.note, s.noteErr = "cannot edit: the journal cannot be read", true
		return s, nil
	case s.editsErr != "":
		s.note, s.noteErr = "cannot edit: "+s.editsErr+"; move it away to edit the report here", true
		return s, nil
	}
	s.editing, s.note = true, ""
	return s, s.load()
}

// load puts the section's saved text in the editor.
func (s *Screen) load() tea.Cmd {
	sec := report.Sections()[s.section]
	s.ta.Reset()
	s.ta.Placeholder = prompts(sec)
	s.ta.SetValue(sectionText(s.edits, sec))
	s.sizeEditor()
	return s.ta.Focus()
}

func (s Screen) editorKey(msg tea.KeyPressMsg) (Screen, tea.Cmd) {
	k := s.c.Keys.Report
	n := len(report.Sections())
	switch {
	case key.Matches(msg, s.c.Keys.Global.Back):
		// Every change is already saved (or on its way); the report
		// shows it once drafted again.
		s.editing = false
		s.ta.Blur()
		return s, s.lookForChanges()
	case key.Matches(msg, k.NextSection):
		s.section = (s.section + 1) % n
		return s, s.load()
	case key.Matches(msg, k.PreviousSection):
		s.section = (s.section + n - 1) % n
		return s, s.load()
	}
	return s.edit(msg)
}

// edit feeds the textarea and saves what changed.
func (s Screen) edit(msg tea.Msg) (Screen, tea.Cmd) {
	if p, ok := msg.(tea.PasteMsg); ok {
		msg = tea.PasteMsg{Content: textsafe.Block(p.Content)}
	}
	var cmd tea.Cmd
	s.ta, cmd = s.ta.Update(msg)
	sec := report.Sections()[s.section]
	if v := s.ta.Value(); v != sectionText(s.edits, sec) {
		_ = s.edits.Set(sec, v) // sec is one of report.Sections()
		s.edits.Updated, s.edits.By = s.c.Now().UTC(), s.o.Actor
		return s, tea.Batch(cmd, s.save())
	}
	return s, cmd
}

// save writes the edits in a command. Saves are serialised: while one is
// in flight the newest edits wait (older waiting ones are dropped), so
// the file always ends with the newest text, and a crash loses at most
// the keystrokes of the save in flight.
func (s *Screen) save() tea.Cmd {
	e := s.edits
	if s.saving {
		s.queued = &e
		return nil
	}
	s.saving = true
	path, journalPath, now := report.EditsPath(s.o.Journal), s.o.Journal, s.c.Now
	return func() tea.Msg {
		err := report.SaveEdits(path, e)
		return savedMsg{path: journalPath, at: now(), err: err}
	}
}

func (s Screen) saved(msg savedMsg) (Screen, tea.Cmd) {
	s.saving = false
	if msg.err != nil {
		s.saveErr = "not saved: " + textsafe.String(msg.err.Error())
	} else {
		s.saveErr, s.savedAt = "", msg.at
	}
	if q := s.queued; q != nil {
		s.queued = nil
		// The edits are the newest anyway; saving them writes q.
		return s, s.save()
	}
	return s, nil
}

// export writes the Markdown next to the journal, drafted from the
// journal with the newest edits (the ones typed, even if their save is
// still in flight).
func (s Screen) export() tea.Cmd {
	if !s.loaded || s.md == nil {
		return nil
	}
	o, now, path := s.o, s.c.Now, s.o.Journal
	var edits *report.Edits
	if s.editsErr == "" {
		e := s.edits
		edits = &e
	}
	id := s.inc.ID
	return func() tea.Msg {
		d, err := Draft(path, edits, o.TemplateName, o.Template, now(), o.Location)
		if err != nil {
			return exportedMsg{path: path, err: err}
		}
		file := ExportPath(path, id)
		if err := atomicfile.WriteFile(file, d.Markdown, 0o644); err != nil {
			return exportedMsg{path: path, err: err}
		}
		return exportedMsg{path: path, file: file}
	}
}

func (s *Screen) exported(msg exportedMsg) {
	if msg.err != nil {
		s.note, s.noteErr = "export failed: "+textsafe.String(msg.err.Error()), true
		return
	}
	s.note, s.noteErr = "exported to "+incident.ShortPath(msg.file), false
}

// base is the edits' file name, shown under the editor.
func base(p string) string { return textsafe.String(filepath.Base(p)) }
