package app

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/health"
	"github.com/mayday-tui/mayday/tui/workload"
)

// spawn runs a command the way the program does, in goroutines, and
// drops what it answers: the answers of a Prometheus that takes 5 s come
// long after the frame being measured.
func spawn(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		if batch, ok := cmd().(tea.BatchMsg); ok {
			for _, c := range batch {
				spawn(c)
			}
		}
	}()
}

// healthApp is the root model at w×h on checkout's health screen (the
// demo cluster's history, a fake Prometheus), with every panel answered.
func healthApp(tb testing.TB, src *tuitest.Metrics, w, h int) Model {
	d := tuitest.NewDemo(tb, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(w, h)
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	m := New(Options{Ctx: d.Deps.Ctx, Cluster: tuitest.NewCluster(tuitest.Shop(), d.Deps.Reader), Common: c, Theme: th,
		Health: &metrics.Health{Source: src}})
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}
	s, cmd := health.New(m.deps(), c, ref)
	m = step(tb, m, tea.WindowSizeMsg{Width: w, Height: h}, common.PushScreenMsg{Screen: s, Cmd: cmd})
	if hs, ok := m.Top().(health.Screen); !ok || len(hs.Signals()) == 0 {
		tb.Fatalf("health screen not ready: %T\n%s", m.Top(), ansi.Strip(m.Render()))
	}
	return m
}

// BenchmarkHealthKeyPressSlowPrometheus is a key press on the health
// screen through the root model to the rendered frame at 120×40, while
// Prometheus takes 5 s to answer anything: windows switch (each switch
// asks every panel on screen again), the selection moves. The commands
// run in goroutines as in the program and block on the source. Target:
// well under 16 ms.
func BenchmarkHealthKeyPressSlowPrometheus(b *testing.B) {
	src := &tuitest.Metrics{}
	m := healthApp(b, src, 120, 40)
	src.Delay = 5 * time.Second // from now on every answer takes 5 s
	keys := []tea.KeyPressMsg{tuitest.Key("down"), tuitest.Key("t"), tuitest.Key("down"), tuitest.Key("3"),
		tuitest.Key("up"), tuitest.Key("1"), tuitest.Key("up"), tuitest.Key("enter"), tuitest.Key("esc")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, cmd := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
		spawn(cmd)
	}
}

// BenchmarkAppKeyPress5000Health is BenchmarkAppKeyPress5000 with the
// health columns on and Prometheus taking 5 s: the checks of the rows
// that scroll into view are in flight the whole time.
func BenchmarkAppKeyPress5000Health(b *testing.B) {
	src := &tuitest.Metrics{Delay: 5 * time.Second}
	c := tuitest.Common(120, 40)
	rows := tuitest.Rows(5000, false)
	cl := tuitest.NewCluster(rows, nil)
	ctx, cancel := context.WithCancel(context.Background())
	b.Cleanup(cancel)
	m := New(Options{Ctx: ctx, Cluster: cl, Common: c, Health: &metrics.Health{Source: src}})
	m = step(b, m, tea.WindowSizeMsg{Width: 120, Height: 40}, loadWorkloads(cl, nil, c.Now)())
	keys := []tea.KeyPressMsg{tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("pgdown"), tuitest.Key("up")}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, cmd := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
		spawn(cmd)
	}
}

// The health screen answers keys while every query is outstanding: the
// window changes at once and says it is waiting.
func TestHealthKeysWhilePrometheusIsSlow(t *testing.T) {
	gate := make(chan struct{})
	defer close(gate)
	src := &tuitest.Metrics{}
	m := healthApp(t, src, 120, 40)
	src.Gate = gate
	next, cmd := m.Update(tuitest.Key("4"))
	m = next.(Model)
	spawn(cmd)
	v := ansi.Strip(m.Render())
	if !strings.Contains(v, "[24h]") || !strings.Contains(v, "waiting for the first answer") {
		t.Errorf("after 4 with answers held back:\n%s", v)
	}
}

var _ workload.Cluster = (*tuitest.Cluster)(nil)
