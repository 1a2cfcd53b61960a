package health

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

var checkout = rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}

// bed is the demo cluster's checkout with a fake Prometheus whose good
// revision is checkout's revision 5 and bad one revision 6, and a clock
// the test moves.
type bed struct {
	d     *tuitest.Demo
	fake  *tuitest.Metrics
	clock time.Time
	c     *common.Common
}

func newBed(t *testing.T, w, h int) *bed {
	t.Helper()
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	hist, err := rollout.GetHistory(context.Background(), d.Deps.Reader, checkout)
	if err != nil {
		t.Fatal(err)
	}
	r5, _ := hist.Find(5)
	r6, _ := hist.Find(6)
	names := map[string]string{r5.Source.Hash: tuitest.GoodRevision, r6.Source.Hash: tuitest.BadRevision}
	// Revision 6 fails from its rollout's start, where its marker is.
	ws := rollout.LiveWindows(hist, tuitest.Now())
	value := tuitest.Rollout(ws[len(ws)-1].Start)
	fake := &tuitest.Metrics{
		Revisions: []string{r5.Source.Hash, r6.Source.Hash},
		Value: func(s metrics.Signal, rev string, at time.Time) float64 {
			if rev != "" {
				rev = names[rev]
			}
			return value(s, rev, at)
		},
	}
	b := &bed{d: d, fake: fake, clock: tuitest.Now()}
	b.c = tuitest.Common(w, h)
	b.c.Now = func() time.Time { return b.clock }
	return b
}

func (b *bed) deps() common.Deps {
	deps := b.d.Deps
	deps.Health = &metrics.Health{Source: b.fake}
	return deps
}

// open opens the screen at w×h (the body: the root takes two lines) and
// runs its commands to the end.
func (b *bed) open(t *testing.T) Screen {
	t.Helper()
	s, cmd := New(b.deps(), b.c, checkout)
	sc := s.SetSize(b.c.Width, b.c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc.(Screen)
}

func drive(t *testing.T, s Screen, msgs ...tea.Msg) Screen {
	t.Helper()
	sc, _ := tuitest.Drive(t, s, msgs...)
	return sc.(Screen)
}

func view(s Screen) string { return ansi.Strip(s.View()) }

// signalCalls counts the signal queries (not the detection probes).
func (b *bed) signalCalls() map[metrics.Signal]int {
	out := map[metrics.Signal]int{}
	for _, q := range b.fake.Queries() {
		if q.Signal != "" {
			out[q.Signal]++
		}
	}
	return out
}

func visibleSignals(s Screen) []metrics.Signal {
	var out []metrics.Signal
	for i, p := range s.panels {
		if s.visible(i) {
			out = append(out, p.signal)
		}
	}
	return out
}

func TestOpensWithVerdictEvidenceAndCharts(t *testing.T) {
	b := newBed(t, 120, 40)
	s := b.open(t)
	v := view(s)
	for _, want := range []string{
		"Health of deployment/checkout", "window 15m [1h] 6h 24h",
		"✗ critical  error ratio 1", "preset promhttp", "fake prometheus",
		"Error ratio", "● rev 6", "● rev 5", "┅ critical >5%", "┊ revision change", "r6",
		"SIGNAL", "error ratio", "✗ critical", ">1% / >5% for 1m",
		"query: ", "http_requests_total",
		"✓ no firing alerts for this workload",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	verdict, ok := s.Verdict()
	if !ok || verdict.State != metrics.Critical {
		t.Errorf("verdict %+v", verdict)
	}
}

// A refresh is one query per panel on screen; nothing is asked before the
// refresh interval has passed; a panel still waiting is not asked again.
func TestRefreshAsksOncePerVisiblePanel(t *testing.T) {
	b := newBed(t, 80, 20)
	s := b.open(t)
	vis := visibleSignals(s)
	if len(vis) == 0 || len(vis) == len(s.panels) {
		t.Fatalf("want some panels off screen at 80x20: visible %v of %v", vis, s.Signals())
	}
	check := func(round int) {
		t.Helper()
		calls := b.signalCalls()
		for _, sig := range s.Signals() {
			want := 0
			for _, v := range vis {
				if v == sig {
					want = round
				}
			}
			if calls[sig] != want {
				t.Errorf("after %d refreshes: %s asked %d times, want %d", round, sig, calls[sig], want)
			}
		}
		if n := b.fake.AlertCalls(); n != round {
			t.Errorf("alerts asked %d times, want %d", n, round)
		}
	}
	check(1)

	b.clock = b.clock.Add(5 * time.Second)
	s = drive(t, s, common.TickMsg{Now: b.clock})
	check(1)
	b.clock = b.clock.Add(5 * time.Second)
	s = drive(t, s, common.TickMsg{Now: b.clock})
	check(2)

	// Answers held back: a tick at the next interval finds every panel
	// still waiting and asks nothing.
	b.clock = b.clock.Add(10 * time.Second)
	s2, cmd := s.Update(common.TickMsg{Now: b.clock})
	if cmd == nil {
		t.Fatal("no refresh issued")
	}
	b.clock = b.clock.Add(10 * time.Second)
	_, again := s2.Update(common.TickMsg{Now: b.clock})
	if msgs := tuitest.Run(again); len(msgs) != 0 {
		t.Errorf("asked again while waiting: %v", msgs)
	}
	_ = tuitest.Run(cmd)
	check(3)
}

// Switching the window asks again at once, over the new window; answers
// to the old window, or older answers for the same panel, are dropped.
func TestWindowSwitchRequeriesAndDropsStaleAnswers(t *testing.T) {
	b := newBed(t, 120, 40)
	s := b.open(t)
	before := b.signalCalls()[metrics.ErrorRatio]

	// A refresh is in flight when the user switches to 6h.
	b.clock = b.clock.Add(10 * time.Second)
	sc, oldCmd := s.Update(common.TickMsg{Now: b.clock})
	old := tuitest.Run(oldCmd)
	sc, cmd := sc.Update(tuitest.Key("3"))
	s = sc.(Screen)
	if s.Window() != 6*time.Hour {
		t.Fatalf("window %v", s.Window())
	}
	if _, ok := s.Panel(metrics.ErrorRatio); ok {
		t.Error("the 1h panel is still shown as the 6h one")
	}
	fresh := tuitest.Run(cmd)
	if got := b.signalCalls()[metrics.ErrorRatio]; got != before+2 {
		t.Errorf("error ratio asked %d times, want %d (refresh, then the switch)", got, before+2)
	}
	rs := b.fake.Ranges()
	if span := rs[len(rs)-1].End.Sub(rs[len(rs)-1].Start); span < 5*time.Hour || span > 6*time.Hour {
		t.Errorf("last query spans %v, want about 6h", span)
	}
	// The 1h answers arrive late: dropped.
	s = drive(t, s, old...)
	if _, ok := s.Panel(metrics.ErrorRatio); ok {
		t.Error("an answer for the old window was taken")
	}
	s = drive(t, s, fresh...)
	p, ok := s.Panel(metrics.ErrorRatio)
	if !ok || p.Range.End.Sub(p.Range.Start) < 5*time.Hour {
		t.Errorf("6h answer not shown: %+v", p.Range)
	}
	if !strings.Contains(view(s), "[6h]") {
		t.Error("the window shown is not 6h")
	}

	// An older answer for the same window (superseded by a newer question)
	// is dropped too.
	b.clock = b.clock.Add(10 * time.Second)
	sc, first := s.Update(common.TickMsg{Now: b.clock})
	firstMsgs := tuitest.Run(first)
	sc = drive(t, sc.(Screen), firstMsgs...)
	s = sc.(Screen)
	want, _ := s.Panel(metrics.ErrorRatio)
	stale := firstMsgs[0].(PanelMsg)
	stale.seq--
	stale.Panel.Series = nil
	s = drive(t, s, stale)
	if got, _ := s.Panel(metrics.ErrorRatio); len(got.Series) != len(want.Series) {
		t.Error("an answer to an older question replaced the newer one")
	}

	// t cycles: 6h → 24h → 15m.
	s = drive(t, s, tuitest.Key("t"))
	s = drive(t, s, tuitest.Key("t"))
	if s.Window() != 15*time.Minute {
		t.Errorf("t twice from 6h gives %v", s.Window())
	}
}

// Panels off screen are not asked; selecting one brings it into view and
// asks for it then.
func TestOnlyVisiblePanelsAreAsked(t *testing.T) {
	b := newBed(t, 80, 20)
	s := b.open(t)
	last := s.Signals()[len(s.Signals())-1]
	if b.signalCalls()[last] != 0 {
		t.Fatalf("%s asked while off screen", last)
	}
	for range s.Signals() {
		s = drive(t, s, tuitest.Key("down"))
	}
	if s.Selected() != last {
		t.Fatalf("selected %s", s.Selected())
	}
	if b.signalCalls()[last] != 1 {
		t.Errorf("%s asked %d times once on screen", last, b.signalCalls()[last])
	}
	if !strings.Contains(view(s), "▸ "+lastTitle(last)) {
		t.Errorf("selected chart not shown:\n%s", view(s))
	}
}

func lastTitle(s metrics.Signal) string {
	switch s {
	case metrics.Restarts:
		return "Restarts"
	case metrics.Memory:
		return "Memory"
	}
	return string(s)
}

func TestPanelErrorsStayInTheirPanel(t *testing.T) {
	b := newBed(t, 120, 40)
	b.fake.Fail = map[metrics.Signal]error{metrics.LatencyP99: errors.New(`bad_data: 1:32: parse error: unexpected character: '@'`)}
	b.fake.Empty = map[metrics.Signal]bool{metrics.LatencyP50: true}
	s := b.open(t)
	v := view(s)
	for _, want := range []string{"✗ bad_data: 1:32: parse error: unexpected character: '@'", "? no data: the query returned no series", "● rev 6"} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	if verdict, _ := s.Verdict(); verdict.State != metrics.Critical || !strings.Contains(verdict.Reason, "p99 unknown") {
		t.Errorf("verdict %+v", verdict)
	}
}

func TestWithoutPrometheusSaysHowToConfigureIt(t *testing.T) {
	b := newBed(t, 80, 24)
	s, cmd := New(b.d.Deps, b.c, checkout)
	if cmd != nil {
		t.Error("a command without a source")
	}
	v := view(s.SetSize(80, 22).(Screen))
	if !strings.Contains(strings.Join(strings.Fields(v), " "), "? unknown no Prometheus configured: pass --prometheus URL or set contexts.demo.prometheus.url") {
		t.Errorf("got\n%s", v)
	}
	if _, cmd := s.Update(common.TickMsg{Now: b.clock.Add(time.Hour)}); cmd != nil {
		t.Error("ticks query without a source")
	}
}

func TestUnreachablePrometheusIsUnknownAndRetried(t *testing.T) {
	b := newBed(t, 80, 24)
	b.fake.Err = errors.New(`Post "http://127.0.0.1:9/api/v1/query_range": dial tcp 127.0.0.1:9: connect: connection refused`)
	// The probe fails like every query.
	fail := &failingProbe{Metrics: b.fake}
	deps := b.d.Deps
	deps.Health = &metrics.Health{Source: fail}
	s0, cmd := New(deps, b.c, checkout)
	sc, _ := tuitest.Drive(t, s0.SetSize(80, 22), tuitest.Run(cmd)...)
	s := sc.(Screen)
	if v := view(s); !strings.Contains(v, "? unknown") || !strings.Contains(v, "connection refused") {
		t.Errorf("got\n%s", v)
	}
	probes := b.fake.Calls("")
	b.clock = b.clock.Add(10 * time.Second)
	_ = drive(t, s, common.TickMsg{Now: b.clock})
	if b.fake.Calls("") <= probes {
		t.Error("detection is not retried")
	}
}

// failingProbe fails the detection probes as an unreachable server does.
type failingProbe struct{ *tuitest.Metrics }

func (f *failingProbe) QueryRange(ctx context.Context, q metrics.Query, r metrics.Range) ([]metrics.Series, error) {
	if _, err := f.Metrics.QueryRange(ctx, q, r); err != nil || q.Signal == "" {
		return nil, f.Metrics.Err
	}
	return nil, nil
}

func TestFiringAlertsAreListed(t *testing.T) {
	b := newBed(t, 120, 40)
	b.fake.AlertList = []metrics.Alert{{
		Name: "HighErrorRatio", State: "firing", ActiveAt: tuitest.Now().Add(-4 * time.Minute),
		Labels:      map[string]string{"alertname": "HighErrorRatio", "namespace": "shop", "deployment": "checkout", "severity": "critical"},
		Annotations: map[string]string{"summary": "checkout fails more than 5% of requests"},
	}, {
		Name: "Other", State: "firing", Labels: map[string]string{"namespace": "shop", "deployment": "cart"},
	}}
	s := b.open(t)
	v := view(s)
	if !strings.Contains(v, "Firing alerts (1)") || !strings.Contains(v, "✗ HighErrorRatio firing · severity critical · since 4m  checkout fails more than 5% of requests") {
		t.Errorf("alert not listed:\n%s", v)
	}
	if strings.Contains(v, "Other") {
		t.Error("another workload's alert is listed")
	}
	if verdict, _ := s.Verdict(); !strings.Contains(verdict.Reason, "alert HighErrorRatio firing") {
		t.Errorf("verdict reason %q", verdict.Reason)
	}
}

func TestDetailsShowTheWholeQuery(t *testing.T) {
	b := newBed(t, 80, 24)
	s := b.open(t)
	p, _ := s.Panel(metrics.ErrorRatio)
	s = drive(t, s, tuitest.Key("enter"))
	v := strings.Join(strings.Fields(view(s)), "")
	if !strings.Contains(v, strings.Join(strings.Fields(p.Query.Expr), "")) {
		t.Errorf("the full query is not shown:\n%s\nwant %s", view(s), p.Query.Expr)
	}
	s = drive(t, s, tuitest.Key("esc"))
	if s.details {
		t.Error("esc does not close the details")
	}
	_, root := tuitest.Drive(t, s, tuitest.Key("esc"))
	if len(root) != 1 {
		t.Errorf("esc on the screen sent %v", root)
	}
}

func TestGoldens(t *testing.T) {
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		b := newBed(t, size[0], size[1])
		b.fake.AlertList = []metrics.Alert{{
			Name: "HighErrorRatio", State: "firing", ActiveAt: tuitest.Now().Add(-4 * time.Minute),
			Labels: map[string]string{"namespace": "shop", "deployment": "checkout", "severity": "critical"},
		}}
		s := b.open(t)
		tuitest.Golden(t, "health_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(s.View()))
	}
}

func TestAnySizeFitsAndNeverPanics(t *testing.T) {
	b := newBed(t, 120, 40)
	s := b.open(t)
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {20, 5}, {10, 3}, {200, 60}, {30, 8}, {80, 10}, {120, 12}, {60, 30}} {
		for _, details := range []bool{false, true} {
			sc := s
			sc.details = details
			v := sc.SetSize(sz[0], sz[1]).View()
			if sz[0] > 0 && sz[1] > 0 && strings.Count(v, "\n") != sz[1]-1 {
				t.Errorf("%v: %d lines", sz, strings.Count(v, "\n")+1)
			}
			for _, l := range strings.Split(v, "\n") {
				if w := ansi.StringWidth(l); sz[1] > 0 && w != sz[0] {
					t.Errorf("%v: a line is %d wide: %q", sz, w, ansi.Strip(l))
				}
			}
		}
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
