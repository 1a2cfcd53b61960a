package app

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/history"
	"github.com/mayday-tui/mayday/tui/styles"
	"github.com/mayday-tui/mayday/tui/workload"
)

func newApp(t testing.TB, cluster workload.Cluster, c *common.Common) Model {
	t.Helper()
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	return New(Options{Ctx: context.Background(), Cluster: cluster, Common: c, Theme: th})
}

// step sends msg and then runs the commands it returns, feeding their
// messages back, the way the program would, except for the commands that
// block on the cluster or a timer (waits and ticks), which it skips.
func step(t testing.TB, m Model, msgs ...tea.Msg) Model {
	t.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	for i := 0; len(queue) > 0; i++ {
		if i > 1000 {
			t.Fatal("message loop does not settle")
		}
		msg := queue[0]
		queue = queue[1:]
		next, cmd := m.Update(msg)
		m = next.(Model)
		queue = append(queue, runSafe(cmd)...)
	}
	return m
}

// runSafe runs a command unless it would block. Blocking commands in this
// package are the waits and ticks, recognisable by the messages they would
// produce; they are skipped by running batches' members in goroutines with
// a short deadline.
func runSafe(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		switch msg := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			var out []tea.Msg
			for _, c := range msg {
				out = append(out, runSafe(c)...)
			}
			return out
		case tea.QuitMsg, common.TickMsg:
			return nil // the tests check quitting through quitting(); ticks would loop
		}
		return []tea.Msg{msg}
	case <-time.After(200 * time.Millisecond):
		return nil // a wait on the cluster or a timer: not part of this step
	}
}

func quits(m Model, msg tea.Msg) bool {
	_, cmd := m.Update(msg)
	if cmd == nil {
		return false
	}
	_, ok := cmd().(tea.QuitMsg)
	return ok
}

func screen(m Model) string { return ansi.Strip(m.Render()) }

func loaded(t testing.TB, rows []workload.Row, w, h int) Model {
	c := tuitest.Common(w, h)
	m := newApp(t, tuitest.NewCluster(rows, nil), c)
	return step(t, m, tea.WindowSizeMsg{Width: w, Height: h}, loadWorkloads(tuitest.NewCluster(rows, nil), nil, c.Now)())
}

func TestFirstFrameIsDrawnBeforeData(t *testing.T) {
	c := tuitest.Common(80, 24)
	m := newApp(t, tuitest.NewCluster(nil, nil), c)
	if v := screen(m); !strings.Contains(v, "mayday") || !strings.Contains(v, "connecting") {
		t.Errorf("frame before the size is known: %q", v)
	}
	m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	v := screen(m)
	if !strings.Contains(v, "Loading workloads") || !strings.Contains(v, "◌ connecting…") {
		t.Errorf("loading frame:\n%s", v)
	}
	if n := len(strings.Split(m.Render(), "\n")); n != 24 {
		t.Errorf("%d lines", n)
	}
}

func TestGlobalKeys(t *testing.T) {
	m := loaded(t, tuitest.Shop(), 80, 24)
	if !quits(m, tuitest.Key("q")) || !quits(m, tuitest.Key("ctrl+c")) {
		t.Fatal("q and ctrl+c must quit")
	}
	// While typing in the filter, q is a letter; ctrl+c still quits.
	typing := step(t, m, tuitest.Key("/"), tuitest.Key("q"))
	if !typing.Top().CapturesInput() || quits(typing, tuitest.Key("q")) || !quits(typing, tuitest.Key("ctrl+c")) {
		t.Error("q while typing")
	}
	// With an action in flight, quitting asks first.
	busy := step(t, m, common.ActionStartedMsg{Desc: "rollback of deployment/checkout"})
	if quits(busy, tuitest.Key("q")) {
		t.Fatal("quit without confirmation while an action runs")
	}
	asking := step(t, busy, tuitest.Key("q"))
	if !asking.ConfirmingQuit() || !strings.Contains(screen(asking), "Quit anyway?") {
		t.Fatalf("no confirmation:\n%s", screen(asking))
	}
	if stay := step(t, asking, tuitest.Key("n")); stay.ConfirmingQuit() || quits(stay, tuitest.Key("n")) {
		t.Error("n must stay")
	}
	if !quits(asking, tuitest.Key("y")) {
		t.Error("y must quit")
	}
	done := step(t, busy, common.ActionFinishedMsg{})
	if !quits(done, tuitest.Key("q")) {
		t.Error("after the action, q quits at once")
	}
}

func TestHelpAndPalette(t *testing.T) {
	m := loaded(t, tuitest.Shop(), 80, 24)
	h := step(t, m, tuitest.Key("?"))
	if !h.HelpOpen() || !strings.Contains(screen(h), "open history") || !strings.Contains(screen(h), "Everywhere") {
		t.Fatalf("help:\n%s", screen(h))
	}
	if h = step(t, h, tuitest.Key("esc")); h.HelpOpen() || h.Depth() != 1 {
		t.Error("esc closes help, not the screen below")
	}

	p := step(t, m, tuitest.Key(":"))
	if !p.PaletteOpen() || !strings.Contains(screen(p), "Open history of deployment/catalog") {
		t.Fatalf("palette:\n%s", screen(p))
	}
	p = step(t, p, msgs(append(tuitest.Type("help"), tuitest.Key("enter")))...)
	if p.PaletteOpen() || !p.HelpOpen() {
		t.Error("choosing Help in the palette should open help")
	}
	// ctrl+k opens the palette while typing in the filter; ':' is typed.
	typing := step(t, m, tuitest.Key("/"), tuitest.Key(":"))
	if typing.PaletteOpen() {
		t.Error("':' while typing must go to the filter")
	}
	if k := step(t, typing, tuitest.Key("ctrl+k")); !k.PaletteOpen() {
		t.Error("ctrl+k must open the palette while typing")
	}
	closed := step(t, step(t, m, tuitest.Key("ctrl+k")), tuitest.Key("esc"))
	if closed.PaletteOpen() {
		t.Error("esc closes the palette")
	}
}

// The whole flow on the demo cluster's seeded state: find checkout by
// typing "chk", open it, see its history from the cache, go back.
func TestFindAndOpenOnDemoCluster(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cl, err := demo.New(demo.Options{Now: tuitest.Now})
	if err != nil {
		t.Fatal(err)
	}
	cache := kube.NewCache(cl.Client(), demo.Namespace)
	cache.Start(ctx)
	if err := cache.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	cluster := workload.CacheCluster{Cache: cache}
	c := tuitest.Common(120, 40)
	m := newApp(t, cluster, c)
	m = step(t, m, tea.WindowSizeMsg{Width: 120, Height: 40}, loadWorkloads(cluster, nil, c.Now)())
	if v := screen(m); !strings.Contains(v, "checkout") || !strings.Contains(v, "Deployment") {
		t.Fatalf("finder:\n%s", v)
	}
	m = step(t, m, msgs(tuitest.Type("chk"))...)
	v := screen(m)
	if !strings.Contains(v, "/ chk") || !strings.Contains(v, "▸ Deployment   checkout") {
		t.Fatalf("after typing chk:\n%s", v)
	}
	m = step(t, m, tuitest.Key("enter"))
	if m.Depth() != 2 {
		t.Fatalf("depth %d", m.Depth())
	}
	if _, ok := m.Top().(history.Screen); !ok {
		t.Fatalf("top is %T", m.Top())
	}
	v = screen(m)
	if !strings.Contains(v, "deployment/checkout") || !strings.Contains(v, "◀ current") || !strings.Contains(v, "REV") {
		t.Fatalf("history:\n%s", v)
	}
	m = step(t, m, tuitest.Key("esc"))
	if m.Depth() != 1 || !strings.Contains(screen(m), "/ chk") {
		t.Fatalf("back:\n%s", screen(m))
	}
}

func TestLiveUpdatesReachEveryScreen(t *testing.T) {
	m := loaded(t, tuitest.Shop(), 80, 24)
	rows := tuitest.Shop()
	rows[1].Phase = "complete"
	rows[1].Ready = 4
	m = step(t, m, changedMsg{common.ClusterChangedMsg{Rows: rows, Changes: []workload.Change{{Kind: "Deployment", Namespace: "shop", Name: "checkout"}},
		Health: workload.Health{Connected: true, Synced: true, LastEvent: tuitest.Now()}, At: tuitest.Now()}})
	if v := screen(m); !strings.Contains(v, "4/4") {
		t.Errorf("update not shown:\n%s", v)
	}
}

func TestEveryScreenSizeRenders(t *testing.T) {
	cat, _ := themes.Builtin()
	prod, _ := cat.Resolve("production")
	for _, framed := range []bool{false, true} {
		c := tuitest.Common(80, 24)
		if framed {
			c.Styles = styles.New(prod, true, colorprofile.ASCII)
		}
		cluster := tuitest.NewCluster(tuitest.Rows(50, false), nil)
		m := New(Options{Ctx: context.Background(), Cluster: cluster, Common: c, Theme: prod,
			Notices: []string{"config.yaml:3: theme: unknown theme \"x\""}})
		m = step(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, loadWorkloads(cluster, nil, c.Now)())
		variants := map[string]Model{
			"finder":  m,
			"typing":  step(t, m, msgs(tuitest.Type("ca"))...),
			"help":    step(t, m, tuitest.Key("?")),
			"palette": step(t, m, tuitest.Key(":")),
		}
		sizes := [][2]int{{0, 0}, {1, 1}, {20, 5}, {10, 3}, {80, 24}, {200, 60}, {19, 7}, {21, 9}, {0, 10}, {10, 0}}
		for w := 0; w <= 200; w += 17 {
			sizes = append(sizes, [2]int{w, w % 61})
		}
		for name, v := range variants {
			for _, s := range sizes {
				got := step(t, v, tea.WindowSizeMsg{Width: s[0], Height: s[1]})
				out := got.Render()
				if s[0] == 0 || s[1] == 0 {
					if out != "" {
						t.Errorf("%s %v framed=%v: want nothing, got %q", name, s, framed, out)
					}
					continue
				}
				lines := strings.Split(out, "\n")
				if len(lines) != s[1] {
					t.Errorf("%s %v framed=%v: %d lines", name, s, framed, len(lines))
				}
				for _, l := range lines {
					if w := ansi.StringWidth(l); w > s[0] {
						t.Errorf("%s %v framed=%v: line of %d cells: %q", name, s, framed, w, ansi.Strip(l))
						break
					}
				}
			}
		}
	}
}

func TestProductionFrameAndGoldens(t *testing.T) {
	cat, _ := themes.Builtin()
	prod, _ := cat.Resolve("production")
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		m := loaded(t, tuitest.Shop(), size[0], size[1])
		tuitest.Golden(t, "app_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(m.Render()))

		c := tuitest.Common(size[0], size[1])
		c.Styles = styles.New(prod, true, colorprofile.ASCII)
		c.ReadOnly, c.Production = true, true
		c.Keys.SetReadOnly("read-only mode (--read-only)")
		cluster := tuitest.NewCluster(tuitest.Shop(), nil)
		p := New(Options{Ctx: context.Background(), Cluster: cluster, Common: c, Theme: prod})
		p = step(t, p, tea.WindowSizeMsg{Width: size[0], Height: size[1]}, loadWorkloads(cluster, nil, c.Now)())
		out := screen(p)
		if !strings.HasPrefix(out, "┏━ PRODUCTION ━") || !strings.Contains(out, " RO ") || !strings.Contains(out, "PROD") {
			t.Errorf("production frame:\n%s", out)
		}
		tuitest.Golden(t, "app_production_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(p.Render()))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func msgs(keys []tea.KeyPressMsg) []tea.Msg {
	out := make([]tea.Msg, len(keys))
	for i, k := range keys {
		out[i] = k
	}
	return out
}
