package statusbar

import (
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/workload"
)

func connected(m Model, at time.Time) Model {
	m, _ = m.Update(common.TickMsg{Now: at, Health: workload.Health{Connected: true, Synced: true, LastEvent: at}})
	return m
}

func TestCurrentIncident(t *testing.T) {
	c := tuitest.Common(120, 1)
	m := connected(New(c), tuitest.Now())
	m.SetIncident(&Incident{ID: "INC-20261125-1420-checkout", Severity: "SEV2", Actions: 3})
	m.SetSize(120, 1)
	if v := view(m); !strings.Contains(v, "⚑ INC-20261125-1420-checkout · SEV2 · 3 actions") || !strings.Contains(v, "ctx demo") || !strings.Contains(v, "● connected") {
		t.Errorf("120 columns: %s", v)
	}
	// 80 columns, read-only and production: the incident stays, cut in
	// the middle, before the context and the clock go.
	c.ReadOnly, c.Production = true, true
	m.SetSize(80, 1)
	v := view(m)
	if ansi.StringWidth(v) > 80 || !strings.Contains(v, "RO") || !strings.Contains(v, "PROD") || !strings.Contains(v, "● connected") {
		t.Errorf("80 columns: %q", v)
	}
	if !strings.Contains(v, "⚑ INC-") || !strings.Contains(v, "checkout · SEV2 · 3 actions") {
		t.Errorf("80 columns lost the incident: %q", v)
	}
	m.SetIncident(&Incident{ID: "INC-20261125-1420-checkout", Actions: 1})
	c.ReadOnly, c.Production = false, false
	m.SetSize(120, 1)
	if v := view(m); !strings.Contains(v, "⚑ INC-20261125-1420-checkout · 1 action ") {
		t.Errorf("no severity, one action: %s", v)
	}
	m.SetIncident(nil)
	if v := view(m); strings.Contains(v, "⚑") {
		t.Errorf("no incident: %s", v)
	}
	for _, w := range []int{0, 1, 10, 20, 40, 60, 79, 80} {
		m.SetIncident(&Incident{ID: "INC-20261125-1420-checkout-and-a-very-long-name", Severity: "SEV1", Actions: 12})
		m.SetSize(w, 1)
		if got := ansi.StringWidth(m.View()); got > w {
			t.Errorf("width %d: %d cells: %q", w, got, view(m))
		}
	}
}

func TestFlashPassesAfterAWhile(t *testing.T) {
	c := tuitest.Common(120, 1)
	now := tuitest.Now()
	m := connected(New(c), now)
	m.SetSize(120, 1)
	m.SetIncident(&Incident{ID: "INC-20261125-1420-checkout", Severity: "SEV2"})
	m.Flash("opened INC-20261125-1420-checkout (journal ~/.local/share/mayday/incidents/INC-20261125-1420-checkout.jsonl)", false)
	v := view(m)
	if !strings.Contains(v, "opened INC-20261125-1420-checkout (journal ~/.local/share/mayday/incidents/INC-20261125-1420-checkout.jsonl)") {
		t.Errorf("flash: %s", v)
	}
	if strings.Contains(v, "ctx demo") || strings.Contains(v, "connected") {
		t.Errorf("the flash takes the context's and the connection's room: %s", v)
	}
	m = connected(m, now.Add(3*time.Second))
	if v := view(m); !strings.Contains(v, "opened INC-") {
		t.Errorf("flash gone too early: %s", v)
	}
	m = connected(m, now.Add(9*time.Second))
	if v := view(m); strings.Contains(v, "opened INC-") || !strings.Contains(v, "⚑ INC-20261125-1420-checkout · SEV2") {
		t.Errorf("after the flash: %s", v)
	}
	// A lost connection is never hidden by a flash.
	m.Flash("export failed: permission denied", true)
	m, _ = m.Update(common.TickMsg{Now: now.Add(10 * time.Second), Health: workload.Health{Err: errorString("refused")}})
	if v := view(m); !strings.Contains(v, "disconnected") || !strings.Contains(v, "export failed") {
		t.Errorf("flash while disconnected: %s", v)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
