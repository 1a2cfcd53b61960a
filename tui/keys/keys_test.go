package keys

import (
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/config"
)

func press(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "ctrl+q":
		return tea.KeyPressMsg{Code: 'q', Mod: tea.ModCtrl}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

func TestRebindAndDisable(t *testing.T) {
	m := Default()
	err := m.Apply("config.yaml", []config.KeyBinding{
		{Action: "global.quit", Keys: []string{"ctrl+q"}, Line: 3},
		{Action: "finder.open", Keys: []string{"enter", "l"}, Line: 4},
		{Action: "history.diff", Keys: []string{}, Line: 5},
	})
	if err != nil {
		t.Fatal(err)
	}
	if key.Matches(press("q"), m.Global.Quit) || !key.Matches(press("ctrl+q"), m.Global.Quit) {
		t.Error("quit not rebound to ctrl+q")
	}
	if !key.Matches(press("l"), m.Finder.Open) || m.Finder.Open.Help().Key != "enter/l" || m.Finder.Open.Help().Desc != "open history" {
		t.Errorf("open = %+v", m.Finder.Open.Help())
	}
	if m.History.Diff.Enabled() || key.Matches(press("d"), m.History.Diff) {
		t.Error("an empty list must disable the action")
	}
}

func TestApplyErrorsNameTheLine(t *testing.T) {
	m := Default()
	err := m.Apply("config.yaml", []config.KeyBinding{
		{Action: "finder.opne", Keys: []string{"o"}, Line: 7},
		{Action: "finder.open", Keys: []string{"q"}, Line: 8},
		{Action: "history.diff", Keys: []string{"r"}, Line: 9},
	})
	if err == nil {
		t.Fatal("expected errors")
	}
	for _, want := range []string{
		"config.yaml:7: keys.finder.opne: unknown action (finder.up",
		`config.yaml:8: keys.finder.open: "q" is already bound to global.quit`,
		`config.yaml:9: keys.history.diff: "r" is already bound to history.rollback`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in\n%v", want, err)
		}
	}
}

func TestReadOnlyDisablesMutatingActions(t *testing.T) {
	m := Default()
	m.SetReadOnly("read-only mode (--read-only)")
	if m.History.Rollback.Enabled() || key.Matches(press("r"), m.History.Rollback) {
		t.Error("rollback still enabled")
	}
	if len(m.Disabled) != 2 || m.Disabled[0].Action != "history.rollback" || m.Disabled[0].Keys != "r" || !strings.Contains(m.Disabled[0].Reason, "read-only") {
		t.Errorf("disabled = %+v", m.Disabled)
	}
	// The wizard still decides; only executing is refused.
	if m.Wizard.Execute.Enabled() || len(m.Disabled) < 2 || m.Disabled[1].Action != "wizard.execute" {
		t.Errorf("wizard execute: enabled %v, disabled %+v", m.Wizard.Execute.Enabled(), m.Disabled)
	}
	if !m.Finder.Decide.Enabled() || !m.History.Decide.Enabled() || !m.Health.Decide.Enabled() || !m.Wizard.Accept.Enabled() {
		t.Error("deciding is not mutating")
	}
	if !m.History.Diff.Enabled() {
		t.Error("diff is not mutating")
	}
}

// w opens the wizard on every workload screen; the health screen's
// window cycle moved to t to leave w to it.
func TestDecideKeys(t *testing.T) {
	m := Default()
	for _, b := range []key.Binding{m.Finder.Decide, m.History.Decide, m.Health.Decide} {
		if !key.Matches(press("w"), b) {
			t.Errorf("%+v does not take w", b.Help())
		}
	}
	if key.Matches(press("w"), m.Health.NextWindow) || !key.Matches(press("t"), m.Health.NextWindow) {
		t.Error("health.nextWindow is not t")
	}
	err := m.Apply("config.yaml", []config.KeyBinding{{Action: "health.decide", Keys: []string{"t"}, Line: 2}})
	if err == nil || !strings.Contains(err.Error(), `keys.health.decide: "t" is already bound to health.nextWindow`) {
		t.Errorf("clash: %v", err)
	}
}

// n and i work on the finder and the history, read-only too: journaling
// is not a cluster mutation.
func TestIncidentKeys(t *testing.T) {
	m := Default()
	m.SetReadOnly("read-only mode (--read-only)")
	for _, b := range []key.Binding{m.Finder.OpenIncident, m.History.OpenIncident} {
		if !b.Enabled() || !key.Matches(press("n"), b) {
			t.Errorf("%+v does not take n in read-only mode", b.Help())
		}
	}
	for _, b := range []key.Binding{m.Finder.Report, m.History.Report} {
		if !b.Enabled() || !key.Matches(press("i"), b) {
			t.Errorf("%+v does not take i in read-only mode", b.Help())
		}
	}
	if !m.Report.Edit.Enabled() || !m.Report.Export.Enabled() {
		t.Error("editing and exporting the report are not mutations")
	}
	err := m.Apply("config.yaml", []config.KeyBinding{
		{Action: "report.edit", Keys: []string{"E"}, Line: 2},
		{Action: "finder.report", Keys: []string{"h"}, Line: 3},
		{Action: "incident.submit", Keys: []string{"ctrl+s"}, Line: 4},
	})
	if err == nil || !strings.Contains(err.Error(), `config.yaml:3: keys.finder.report: "h" is already bound to finder.health`) {
		t.Errorf("clash: %v", err)
	}
	if key.Matches(press("e"), m.Report.Edit) || !key.Matches(press("E"), m.Report.Edit) || m.Report.Edit.Help().Desc != "edit a section" {
		t.Errorf("report.edit = %+v", m.Report.Edit.Help())
	}
	if key.Matches(press("enter"), m.Incident.Submit) {
		t.Error("incident.submit still takes enter")
	}
	err = m.Apply("config.yaml", []config.KeyBinding{{Action: "report.exprot", Keys: []string{"X"}, Line: 9}})
	if err == nil || !strings.Contains(err.Error(), "keys.report.exprot: unknown action (report.up") || !strings.Contains(err.Error(), "report.export") {
		t.Errorf("unknown report action: %v", err)
	}
}

func TestIncidentsUnavailable(t *testing.T) {
	m := Default()
	m.SetIncidentsUnavailable("no incident journal: the journal directory cannot be created")
	m.SetIncidentsUnavailable("again") // listed once
	for _, b := range []key.Binding{m.Finder.OpenIncident, m.Finder.Report, m.History.OpenIncident, m.History.Report} {
		if b.Enabled() {
			t.Errorf("%+v still enabled", b.Help())
		}
	}
	if len(m.Disabled) != 4 || m.Disabled[0].Action != "finder.openIncident" || m.Disabled[0].Keys != "n" ||
		!strings.Contains(m.Disabled[0].Reason, "journal directory cannot be created") {
		t.Errorf("disabled = %+v", m.Disabled)
	}
	if !m.Finder.Decide.Enabled() || !m.Report.Edit.Enabled() {
		t.Error("other actions stay")
	}
}
