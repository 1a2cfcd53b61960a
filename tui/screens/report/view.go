package report

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
)

// View renders the title line, the report (or the editor) and a status
// line.
func (s Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	if s.editing {
		return s.editorView()
	}
	st := s.c.Styles
	head := st.Title.Render(textsafe.String(s.o.ID))
	if s.loaded && s.md != nil {
		facts := []string{string(s.inc.Status)}
		if s.inc.Severity != "" {
			facts = append(facts, textsafe.String(s.inc.Severity))
		}
		facts = append(facts, finder.Count(s.inc.Actions, "action"), finder.Count(s.records, "record"))
		head += st.Muted.Render(" · " + strings.Join(facts, " · "))
	}
	pos := ""
	if total := s.vp.TotalLineCount(); s.rendered && total > s.vp.Height() {
		first := s.vp.YOffset() + 1
		last := min(s.vp.YOffset()+s.vp.Height(), total)
		pos = fmt.Sprintf("lines %d–%d of %d", first, last, total)
	}
	head = common.Truncate(head, max(s.width-common.Width(pos)-1, 0))
	head = common.PadRight(head, max(s.width-common.Width(pos), 0)) + st.Muted.Render(pos)

	var body string
	switch {
	case !s.loaded:
		body = st.Muted.Render("Drafting the report from the journal…")
	case s.md == nil:
		body = st.Error.Render("✗ " + s.problem)
	case !s.rendered:
		body = st.Muted.Render("Rendering the report…")
	default:
		body = s.vp.View()
	}
	return common.Fit(head+"\n"+common.Fit(body, s.width, max(s.height-2, 0))+"\n"+s.statusLine(), s.width, s.height)
}

// statusLine says what happened last (export, a problem) or what can be
// done.
func (s Screen) statusLine() string {
	st := s.c.Styles
	var line string
	switch {
	case s.note != "" && s.noteErr:
		line = st.Error.Render("✗ " + s.note)
	case s.note != "":
		line = st.Success.Render("✓ " + s.note)
	case s.problem != "" && s.md != nil:
		line = st.Error.Render("✗ " + s.problem + " (showing the last draft)")
	case s.editsErr != "":
		line = st.Warning.Render("⚠ " + s.editsErr + "; the draft is shown without the edits")
	case s.warnings > 0:
		line = st.Warning.Render(fmt.Sprintf("⚠ %s in the journal were skipped (listed at the end of the report)", finder.Count(s.warnings, "damaged line")))
	case s.saveErr != "":
		line = st.Error.Render("✗ " + s.saveErr)
	default:
		k := s.c.Keys.Report
		var parts []string
		for _, b := range []key.Binding{k.Edit, k.Export} {
			if b.Enabled() {
				parts = append(parts, st.Key.Render(b.Help().Key)+" "+st.Muted.Render(b.Help().Desc))
			}
		}
		parts = append(parts, st.Muted.Render("the draft follows the journal as it grows"))
		line = strings.Join(parts, st.Muted.Render(" · "))
	}
	return common.Truncate(line, s.width)
}

// editorView is the section line, the textarea and the save state.
func (s Screen) editorView() string {
	st := s.c.Styles
	var tabs []string
	for i, sec := range report.Sections() {
		t := SectionTitle(sec)
		if i == s.section {
			tabs = append(tabs, st.Selected.Render("["+t+"]"))
		} else {
			tabs = append(tabs, st.Muted.Render(" "+t+" "))
		}
	}
	k := s.c.Keys.Report
	head := st.Title.Render("Editing "+textsafe.String(s.o.ID)) + st.Muted.Render(" · "+SectionTitle(report.Sections()[s.section]))
	tabLine := strings.Join(tabs, " ") + st.Muted.Render("   "+k.NextSection.Help().Key+"/"+k.PreviousSection.Help().Key)
	var state string
	switch {
	case s.saveErr != "":
		state = st.Error.Render("✗ " + s.saveErr)
	case s.Saving():
		state = st.Muted.Render("saving…")
	case !s.savedAt.IsZero():
		state = st.Success.Render("✓ saved " + s.savedAt.In(s.o.Location).Format("15:04:05"))
	default:
		state = st.Muted.Render("saved as you type")
	}
	foot := state + st.Muted.Render(" · "+s.c.Keys.Global.Back.Help().Key+" leaves the editor · "+base(report.EditsPath(s.o.Journal)))
	lines := []string{common.Truncate(head, s.width), common.Truncate(tabLine, s.width)}
	if s.height > 3 {
		lines = append(lines, common.Fit(s.ta.View(), s.width, s.height-3))
	}
	lines = append(lines, common.Truncate(foot, s.width))
	return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
}
