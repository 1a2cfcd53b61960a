package workloads

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/health"
	"github.com/mayday-tui/mayday/tui/workload"
)

// shopMetrics: checkout fails 12% of its requests, payments is slow,
// search exports no request metrics, the rest are healthy.
func shopMetrics() *tuitest.Metrics {
	return &tuitest.Metrics{
		Value: tuitest.Steady(0.001, 0.12),
		Workloads: map[string]func(metrics.Signal, string, time.Time) float64{
			"checkout": tuitest.Steady(0.12, 1.8),
			"payments": tuitest.Steady(0.002, 0.7),
			"search":   nil,
		},
	}
}

func open(t *testing.T, w, h int, src metrics.Source) (Screen, *common.Common) {
	t.Helper()
	c := tuitest.Common(w, h)
	deps := common.Deps{}
	if src != nil {
		deps.Health = &metrics.Health{Source: src}
	}
	var s common.Screen = New(c, deps).SetSize(w, h)
	s, _ = tuitest.Drive(t, s, common.ClusterChangedMsg{Rows: tuitest.Shop(), Health: workload.Health{Connected: true, Synced: true}, At: tuitest.Now()})
	return s.(Screen), c
}

func view(s Screen) string { return ansi.Strip(s.View()) }

func rowOf(v, name string) string {
	for _, l := range strings.Split(v, "\n") {
		if strings.Contains(l, " "+name+" ") {
			return l
		}
	}
	return ""
}

func TestFinderShowsHealthOfVisibleWorkloads(t *testing.T) {
	src := shopMetrics()
	s, _ := open(t, 120, 20, src)
	v := view(s)
	if !strings.Contains(v, "HEALTH") || !strings.Contains(v, "ERRORS 30m") {
		t.Fatalf("no health columns:\n%s", v)
	}
	for name, want := range map[string]string{"checkout": "✗ critical", "payments": "! degraded", "catalog": "✓ healthy", "search": "? unknown"} {
		if row := rowOf(v, name); !strings.Contains(row, want) {
			t.Errorf("%s: want %q in %q", name, want, row)
		}
	}
	// checkout's sparkline is full height; catalog's is the lowest block.
	if row := rowOf(v, "checkout"); !strings.Contains(row, "██████████") {
		t.Errorf("checkout sparkline: %q", row)
	}
	if row := rowOf(v, "catalog"); !strings.Contains(row, "▁▁▁▁") {
		t.Errorf("catalog sparkline: %q", row)
	}
}

// At most a few checks run at once; a workload is asked again only once
// the refresh interval has passed.
func TestChecksAreBoundedAndRefreshed(t *testing.T) {
	c := tuitest.Common(120, 20)
	now := tuitest.Now()
	c.Now = func() time.Time { return now }
	s := New(c, common.Deps{Health: &metrics.Health{Source: shopMetrics()}})
	var sc common.Screen = s.SetSize(120, 20)
	sc, cmd := sc.Update(common.ClusterChangedMsg{Rows: tuitest.Shop(), At: now})
	first := tuitest.Run(cmd)
	if len(first) != maxChecks {
		t.Fatalf("%d checks at once, want %d", len(first), maxChecks)
	}
	v := view(sc.(Screen))
	if strings.Count(v, "… checking") != len(tuitest.Shop()) {
		t.Errorf("workloads not judged yet must say so:\n%s", v)
	}
	// Each answer lets the next check go.
	sc, rest := tuitest.Drive(t, sc, first...)
	_ = rest
	for _, r := range tuitest.Shop() {
		if h := sc.(Screen).Finder().HealthOf(r.Ref); !h.Known {
			t.Errorf("%s not checked", r.Name)
		}
	}
	// A tick before the refresh interval asks nothing; after it, all again.
	now = now.Add(5 * time.Second)
	if _, cmd := sc.Update(common.TickMsg{Now: now}); len(tuitest.Run(cmd)) != 0 {
		t.Error("asked again before the refresh interval")
	}
	now = now.Add(5 * time.Second)
	if _, cmd := sc.Update(common.TickMsg{Now: now}); len(tuitest.Run(cmd)) != maxChecks {
		t.Error("not asked again after the refresh interval")
	}
}

func TestWithoutPrometheusNoHealthColumns(t *testing.T) {
	s, _ := open(t, 120, 20, nil)
	if v := view(s); strings.Contains(v, "HEALTH") {
		t.Errorf("health columns without a source:\n%s", v)
	}
	if _, cmd := s.Update(common.TickMsg{Now: tuitest.Now().Add(time.Hour)}); cmd != nil {
		t.Error("a command without a source")
	}
}

func TestHOpensHealth(t *testing.T) {
	s, _ := open(t, 120, 20, nil)
	_, root := tuitest.Drive(t, s, tuitest.Key("h"))
	if len(root) != 1 {
		t.Fatalf("h sent %v", root)
	}
	push, ok := root[0].(common.PushScreenMsg)
	if _, isHealth := push.Screen.(health.Screen); !ok || !isHealth {
		t.Fatalf("h pushed %#v", root[0])
	}
	// While typing a filter, h is a letter.
	s2, _ := tuitest.Drive(t, s, tuitest.Key("/"))
	s2, root = tuitest.Drive(t, s2, tuitest.Key("h"))
	if len(root) != 0 || s2.(Screen).Finder().Query() != "h" {
		t.Errorf("h while typing: %v, query %q", root, s2.(Screen).Finder().Query())
	}
}

func TestGoldens(t *testing.T) {
	for _, size := range [][2]int{{120, 20}, {80, 24}} {
		s, _ := open(t, size[0], size[1], shopMetrics())
		name := "finder_health_" + strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
		tuitest.Golden(t, name, tuitest.ASCII(s.View()))
	}
}
