package incident

import (
	"strconv"
	"strings"

	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
)

// labelW is the width of the field labels.
const labelW = 10

// View renders the question about the current incident, or the form.
func (s Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	if s.confirming {
		return common.Fit(strings.Join(s.confirmLines(), "\n"), s.width, s.height)
	}
	st := s.c.Styles
	lines := []string{st.Title.Render("Open an incident"), ""}
	cursor := func(f field) string {
		if s.focus == f {
			return st.Accent.Render("▸ ")
		}
		return "  "
	}
	label := func(text string) string { return st.Muted.Render(common.PadRight(text, labelW)) }
	lines = append(lines, cursor(fieldTitle)+label("Title")+s.title.View())
	var sev []string
	for i, name := range Severities() {
		if i == s.severity {
			sev = append(sev, st.Selected.Render("["+name+"]"))
		} else {
			sev = append(sev, " "+name+" ")
		}
	}
	sevLine := cursor(fieldSeverity) + label("Severity") + strings.Join(sev, " ")
	if s.focus == fieldSeverity {
		sevLine += st.Muted.Render("   ←/→ or 1-4")
	}
	lines = append(lines, sevLine)
	workload := st.Muted.Render("none")
	if s.hasRef {
		workload = textsafe.String(s.ref.Namespace + "/" + s.ref.String())
	}
	lines = append(lines, "  "+label("Workload")+workload)
	if s.actor != "" {
		lines = append(lines, "  "+label("Owner")+s.actor)
	}
	if s.dir != "" {
		lines = append(lines, "  "+label("Journal")+s.dir)
	}
	lines = append(lines, "")
	switch {
	case s.opening:
		lines = append(lines, st.Muted.Render("Opening the incident…"))
	case s.problem != "":
		lines = append(lines, st.Error.Render("✗ "+s.problem))
	default:
		lines = append(lines, st.Muted.Render("enter opens it: every action of this console is journaled there from now on."))
	}
	for i := range lines {
		lines[i] = common.Truncate(lines[i], s.width)
	}
	return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
}

func (s Screen) confirmLines() []string {
	st := s.c.Styles
	cur := s.current
	id := textsafe.String(cur.ID)
	var facts []string
	if cur.Severity != "" {
		facts = append(facts, textsafe.String(cur.Severity))
	}
	facts = append(facts, plural(cur.Actions, "action"))
	if cur.Owner != "" {
		facts = append(facts, "owner "+textsafe.String(cur.Owner))
	}
	k := s.c.Keys.Incident.Submit.Help().Key
	lines := []string{
		st.Title.Render("Open an incident"), "",
		st.Warning.Render("⚑ " + id + " is the current incident"),
		"  " + st.Muted.Render(strings.Join(facts, " · ")), "",
		"Every action of this console is journaled there. Open a new one anyway?",
		"The new incident becomes current; " + id + " stays open.", "",
		st.Key.Render(k+"/y") + " " + st.Muted.Render("open a new incident") + st.Muted.Render(" · ") +
			st.Key.Render(s.c.Keys.Global.Back.Help().Key) + " " + st.Muted.Render("keep "+id),
	}
	for i := range lines {
		lines[i] = common.Truncate(lines[i], s.width)
	}
	return lines
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return itoa(n) + " " + noun + "s"
}

func itoa(n int) string { return strconv.Itoa(n) }
