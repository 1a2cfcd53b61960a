package help

import (
	"regexp"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/keys"
)

func TestHelpListsEnabledBindingsAndExplainsDisabled(t *testing.T) {
	c := tuitest.Common(80, 40)
	if err := c.Keys.Apply("config.yaml", []config.KeyBinding{{Action: "history.diff", Keys: []string{}, Line: 3}}); err != nil {
		t.Fatal(err)
	}
	c.Keys.SetReadOnly("read-only mode (--read-only)")
	m := New(c, []Section{{Title: "History", Keys: c.Keys.History}, {Title: "Everywhere", Keys: c.Keys.Global}}, c.Keys.Disabled, []string{"config.yaml:3: oops"})
	m.SetSize(80, 40)
	v := ansi.Strip(m.View())
	for _, want := range []string{"History", "↑/k", "Everywhere", "ctrl+c", "Unavailable", "r  roll back to revision: read-only mode (--read-only)", "Problems", "config.yaml:3: oops"} {
		if !strings.Contains(v, want) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	// Disabled bindings do not appear as usable keys.
	if strings.Contains(v, "d  diff") || strings.Contains(v, "r    roll back") {
		t.Errorf("disabled binding listed:\n%s", v)
	}
}

func TestHelpScrolls(t *testing.T) {
	c := tuitest.Common(40, 5)
	m := New(c, []Section{{Title: "Finder", Keys: c.Keys.Finder}, {Title: "Everywhere", Keys: c.Keys.Global}}, nil, nil)
	m.SetSize(40, 5)
	first := m.View()
	m, _ = m.Update(tuitest.Key("down"))
	if m.View() == first || m.offset != 1 {
		t.Error("down did not scroll")
	}
	for range 100 {
		m, _ = m.Update(tuitest.Key("pgdown"))
	}
	if !strings.Contains(ansi.Strip(m.View()), "esc closes help") {
		t.Errorf("the end is not reachable:\n%s", m.View())
	}
	m.SetSize(0, 0)
	if m.View() != "" {
		t.Error("0×0 must render nothing")
	}
}

func TestShort(t *testing.T) {
	c := tuitest.Common(80, 24)
	c.Keys.SetReadOnly("ro")
	s := ansi.Strip(Short(c, c.Keys.History, c.Keys.Global))
	if !strings.Contains(s, "d diff against current") || strings.Contains(s, "roll back") || !strings.Contains(s, "q quit") {
		t.Errorf("short help: %s", s)
	}
}

// The incident keys are listed on the finder and the history (read-only
// too), the report's keys on its screen, and without a journal they are
// listed as unavailable with the reason.
func TestHelpListsTheIncidentKeys(t *testing.T) {
	c := tuitest.Common(80, 60)
	c.Keys.SetReadOnly("read-only mode (--read-only)")
	m := New(c, []Section{{Title: "Workloads", Keys: c.Keys.Finder}, {Title: "Report", Keys: c.Keys.Report}, {Title: "Editing", Keys: keys.ReportEditing(c.Keys.Report)}}, c.Keys.Disabled, nil)
	m.SetSize(80, 60)
	v := ansi.Strip(m.View())
	for _, want := range []string{`\bn +incident`, `\bi +report`, `\be +edit a section`, `\bx +export Markdown`,
		`\btab +next section`, `shift\+tab +previous section`} {
		if !regexp.MustCompile(want).MatchString(v) {
			t.Errorf("help lacks %q:\n%s", want, v)
		}
	}
	if s := ansi.Strip(Short(c, c.Keys.Finder)); !strings.Contains(s, "n incident · i report") {
		t.Errorf("footer: %s", s)
	}

	c = tuitest.Common(80, 40)
	c.Keys.SetIncidentsUnavailable("no incident journal: /var/lib/mayday is read-only")
	m = New(c, []Section{{Title: "Workloads", Keys: c.Keys.Finder}}, c.Keys.Disabled, nil)
	m.SetSize(80, 40)
	v = ansi.Strip(m.View())
	if !strings.Contains(v, "n  incident: no incident journal: /var/lib/mayday is read-only") || !strings.Contains(v, "i  report: no incident journal") {
		t.Errorf("unavailable incident keys:\n%s", v)
	}
	if n := strings.Count(v, "n  incident: no incident journal"); n != 1 {
		t.Errorf("listed %d times (finder and history): once is enough\n%s", n, v)
	}
	if strings.Contains(ansi.Strip(Short(c, c.Keys.Finder)), "incident") {
		t.Error("the footer offers unavailable keys")
	}
}
