package statusbar

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/workload"
)

func view(m Model) string { return ansi.Strip(m.View()) }

func TestConnectionStates(t *testing.T) {
	c := tuitest.Common(120, 1)
	m := New(c)
	m.SetSize(120, 1)
	now := tuitest.Now()
	if v := view(m); !strings.Contains(v, "◌ connecting…") {
		t.Errorf("initial: %s", v)
	}
	m, _ = m.Update(common.TickMsg{Now: now, Health: workload.Health{Err: errors.New("dial tcp: refused")}})
	if v := view(m); !strings.Contains(v, "✗ disconnected (retrying) · no data yet") {
		t.Errorf("unreachable at start: %s", v)
	}
	m, _ = m.Update(common.TickMsg{Now: now, Health: workload.Health{Connected: true}})
	if v := view(m); !strings.Contains(v, "◌ connecting…") {
		t.Errorf("not synced: %s", v)
	}
	m, _ = m.Update(common.TickMsg{Now: now.Add(12 * time.Second), Health: workload.Health{Connected: true}})
	if v := view(m); !strings.Contains(v, "◌ connecting… no answer for 12s") {
		t.Errorf("slow first list: %s", v)
	}
	m, _ = m.Update(common.ClusterChangedMsg{At: now, Health: workload.Health{Connected: true, Synced: true, LastEvent: now.Add(-5 * time.Minute)}})
	if v := view(m); !strings.Contains(v, "● connected · last event 5m ago") || !strings.Contains(v, "ctx demo") || !strings.Contains(v, "ns shop") || !strings.Contains(v, "09:26") {
		t.Errorf("connected: %s", v)
	}
	lost := workload.Health{Connected: false, Synced: true, Err: errors.New("connection refused"), LastEvent: now.Add(-5 * time.Minute)}
	m, _ = m.Update(common.TickMsg{Now: now, Health: lost})
	m, _ = m.Update(common.TickMsg{Now: now.Add(40 * time.Second), Health: lost})
	if v := view(m); !strings.Contains(v, "✗ disconnected (retrying) · data 40s old") {
		t.Errorf("disconnected: %s", v)
	}
	m, _ = m.Update(common.TickMsg{Now: now.Add(41 * time.Second), Health: workload.Health{Connected: true, Synced: true, LastEvent: now.Add(41 * time.Second)}})
	if v := view(m); !strings.Contains(v, "● connected · last event <1m ago") {
		t.Errorf("recovered: %s", v)
	}
	// The server answers but refuses a list: say which, not "no answer".
	forbidden := errors.New(`forbidden: cannot list replicasets.apps in namespace "payments"`)
	m, _ = m.Update(common.TickMsg{Now: now.Add(60 * time.Second), Health: workload.Health{Connected: true, Forbidden: forbidden}})
	if v := view(m); !strings.Contains(v, `✗ forbidden: cannot list replicasets.apps in namespace "payments"`) || strings.Contains(v, "no answer") {
		t.Errorf("forbidden: %s", v)
	}
}

func TestBadgesAndNarrowWidths(t *testing.T) {
	c := tuitest.Common(80, 1)
	c.ReadOnly, c.Production, c.Context = true, true, "prod-eu\x1b[31m"
	m := New(c)
	m, _ = m.Update(common.TickMsg{Now: tuitest.Now(), Health: workload.Health{Connected: true, Synced: true}})
	for _, w := range []int{0, 1, 5, 10, 20, 40, 80, 200} {
		m.SetSize(w, 1)
		v := m.View()
		if got := ansi.StringWidth(v); got > w {
			t.Errorf("width %d: %d cells: %q", w, got, v)
		}
		if strings.Contains(v, "\x1b[31m") {
			t.Errorf("context name not escaped: %q", v)
		}
		if w >= 40 && (!strings.Contains(ansi.Strip(v), "RO") || !strings.Contains(ansi.Strip(v), "connected")) {
			t.Errorf("width %d lost RO or the connection: %q", w, ansi.Strip(v))
		}
	}
	m.SetSize(120, 1)
	if v := view(m); !strings.Contains(v, "PROD") || !strings.Contains(v, `prod-eu\x1b[31m`) {
		t.Errorf("wide: %s", v)
	}
}
