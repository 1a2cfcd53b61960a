package app

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/diff"
	"github.com/mayday-tui/mayday/tui/screens/history"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
	"github.com/mayday-tui/mayday/tui/workload"
)

// The first flow of issue 3, through the root model: find checkout, open
// it, diff the previous revision, roll back to it with confirmation,
// watch the rollout complete, and see the history gain the new revision
// with its former number.
func TestRollbackFlowOnTheDemo(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Speed: 100}, true)
	cluster := workload.CacheCluster{Cache: d.Cache}
	c := tuitest.Common(120, 40)
	// The real clock: the demo's controllers run on it.
	c.Now = time.Now
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	m := New(Options{Ctx: d.Deps.Ctx, Cluster: cluster, Actions: d.Deps.Actions, Common: c, Theme: th})
	m = step(t, m, tea.WindowSizeMsg{Width: 120, Height: 40}, loadWorkloads(cluster, nil, c.Now)())
	m = step(t, m, msgs(tuitest.Type("chk"))...)
	m = step(t, m, tuitest.Key("enter"))
	m = step(t, m, tuitest.Key("down"))
	if _, ok := m.Top().(history.Screen); !ok {
		t.Fatalf("top %T\n%s", m.Top(), screen(m))
	}
	m = step(t, m, tuitest.Key("d"))
	if _, ok := m.Top().(diff.Screen); !ok || !strings.Contains(screen(m), "revision 5 → current template (revision 6)") {
		t.Fatalf("diff:\n%s", screen(m))
	}
	m = step(t, m, tuitest.Key("esc"))
	m = step(t, m, tuitest.Key("r"))
	if rb, ok := m.Top().(rollback.Screen); !ok || rb.Phase() != rollback.Confirming {
		t.Fatalf("rollback:\n%s", screen(m))
	}
	// While the write is in flight, q asks first.
	next, cmd := m.Update(tuitest.Key("y"))
	m = next.(Model)
	msgsOut := runSafe(cmd)
	if len(msgsOut) != 1 {
		t.Fatalf("confirm produced %#v", msgsOut)
	}
	seq := tuitest.Sequence(msgsOut[0])
	if len(seq) != 2 {
		t.Fatalf("confirm is not a started/write sequence: %#v", msgsOut[0])
	}
	m = step(t, m, seq[0]())
	if !step(t, m, tuitest.Key("q")).ConfirmingQuit() {
		t.Error("q during the write did not ask")
	}
	m = step(t, m, seq[1]())
	model := m
	if quits(model, tuitest.Key("q")) == false {
		t.Error("q after the write must quit without asking")
	}
	for {
		rb := model.Top().(rollback.Screen)
		if rb.Done() {
			break
		}
		if rb.Phase() != rollback.Watching {
			t.Fatalf("phase %v: %v\n%s", rb.Phase(), rb.Err(), screen(model))
		}
		model = step(t, model, changedMsg{d.WaitForChange(t)})
	}
	v := screen(model)
	if !strings.Contains(v, "✓ rollout complete") || !strings.Contains(v, "it is now revision 7 (was 5)") {
		t.Fatalf("progress:\n%s", v)
	}
	model = step(t, model, tuitest.Key("esc"))
	v = screen(model)
	if _, ok := model.Top().(history.Screen); !ok || !strings.Contains(v, "7 (was 5)") || !strings.Contains(v, "7 revisions") && !strings.Contains(v, "6 revisions, current 7") {
		t.Fatalf("history after the rollback:\n%s", v)
	}
	h := model.Top().(history.Screen).History()
	if h.Current != 7 {
		t.Errorf("current %d", h.Current)
	}
}
