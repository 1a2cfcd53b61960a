package healthgraph

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

// rollout is an error-ratio panel over the hour before tuitest.Now: rev 5
// serves alone until rev 6 starts rolling out 20 minutes ago; rev 6 fails
// 24% of requests, rev 5 stops serving 10 minutes ago.
func rollout(cells int) (metrics.Panel, time.Time) {
	end := tuitest.Now()
	start := end.Add(-time.Hour)
	step := time.Hour / time.Duration(cells)
	change := end.Add(-20 * time.Minute)
	gone := end.Add(-10 * time.Minute)
	var all, r5, r6 []metrics.Point
	for t := start; !t.After(end); t = t.Add(step) {
		wiggle := 0.0005 * math.Sin(float64(t.Unix())/97)
		switch {
		case t.Before(change):
			all = append(all, metrics.Point{T: t, V: 0.002 + wiggle})
			r5 = append(r5, metrics.Point{T: t, V: 0.002 + wiggle})
		case t.Before(gone):
			all = append(all, metrics.Point{T: t, V: 0.12 + wiggle})
			r5 = append(r5, metrics.Point{T: t, V: 0.002 + wiggle})
			r6 = append(r6, metrics.Point{T: t, V: 0.24 + wiggle})
		default:
			all = append(all, metrics.Point{T: t, V: 0.24 + wiggle})
			r6 = append(r6, metrics.Point{T: t, V: 0.24 + wiggle})
		}
	}
	target := metrics.Target{Namespace: "shop", Kind: "Deployment", Name: "checkout",
		Revisions: map[string]int64{"7d9f8c6b5": 5, "5c4b8d7f9": 6}}
	return metrics.Panel{
		Signal: metrics.ErrorRatio,
		Query:  metrics.Query{Signal: metrics.ErrorRatio, Preset: "promhttp", Expr: "sum(rate(x[1m]))", PerRevision: true, Target: target},
		Range:  metrics.Range{Start: start, End: end, Step: step},
		Series: []metrics.Series{{Points: all}, {Revision: "7d9f8c6b5", Points: r5}, {Revision: "5c4b8d7f9", Points: r6}},
	}, change
}

// flat is a one-series panel with the given values at one-minute steps
// over the last len(vs)-1 minutes.
func flat(s metrics.Signal, vs ...float64) metrics.Panel {
	end := tuitest.Now()
	start := end.Add(-time.Duration(len(vs)-1) * time.Minute)
	var pts []metrics.Point
	for i, v := range vs {
		pts = append(pts, metrics.Point{T: start.Add(time.Duration(i) * time.Minute), V: v})
	}
	return metrics.Panel{Signal: s, Range: metrics.Range{Start: start, End: end, Step: time.Minute},
		Series: []metrics.Series{{Points: pts}}}
}

var errorThreshold = metrics.Threshold{Degraded: 0.01, Critical: 0.05}

func chart(w, h int, p metrics.Panel, th metrics.Threshold, markers ...Marker) Model {
	m := New(tuitest.Common(w, h), p.Signal)
	m.SetSize(w, h)
	m.SetPanel(p)
	m.SetThreshold(th)
	m.SetMarkers(markers)
	return m
}

func lines(m Model) []string { return strings.Split(ansi.Strip(m.View()), "\n") }

// runeCol is the cell column of the first r in line, or -1.
func runeCol(line string, r rune) int {
	for i, c := range []rune(line) {
		if c == r {
			return i
		}
	}
	return -1
}

// columnOf is the cell column where s starts in line, or -1.
func columnOf(line, s string) int {
	i := strings.Index(line, s)
	if i < 0 {
		return -1
	}
	return len([]rune(line[:i]))
}

func TestChartHasEveryLineThresholdsAndLegend(t *testing.T) {
	p, change := rollout(Points(120))
	ls := lines(chart(120, 12, p, errorThreshold, Marker{T: change, Label: "r6"}))
	if len(ls) != 12 {
		t.Fatalf("%d lines, want 12", len(ls))
	}
	head := ls[0]
	for _, want := range []string{"Error ratio", "● all 24%", "● rev 6 24%", "● rev 5 0.2%", "┄ degraded >1%", "┅ critical >5%", "┊ revision change"} {
		if !strings.Contains(head, want) {
			t.Errorf("legend lacks %q: %q", want, head)
		}
	}
	// Each threshold's line is on the row its axis label names.
	var crit, deg string
	for _, l := range ls {
		if strings.Contains(l, "5%┤") {
			crit = l
		}
		if strings.Contains(l, "1%┤") {
			deg = l
		}
	}
	if strings.Count(crit, "┅") < 40 {
		t.Errorf("no critical line on the 5%% row: %q", crit)
	}
	if strings.Count(deg, "┄") < 5 {
		t.Errorf("no degraded line on the 1%% row: %q", deg)
	}
	// Every line is named where it ends.
	body := strings.Join(ls[1:], "\n")
	for _, name := range []string{"all", "r5", "r6"} {
		if !strings.Contains(body, " "+name) {
			t.Errorf("line %s is not named in\n%s", name, body)
		}
	}
}

// A marker sits in the column of its time: a marker at a round time is in
// the column of that time's tick on the X axis.
func TestMarkersAreAtTheirTimesColumns(t *testing.T) {
	p := flat(metrics.RequestRate, make([]float64, 61)...)
	at := time.Date(2026, 3, 14, 9, 0, 0, 0, time.UTC) // a tick: every 5 minutes
	ls := lines(chart(100, 12, p, metrics.Threshold{}, Marker{T: at, Label: "r7"}, Marker{T: p.Range.Start.Add(-time.Minute), Label: "r3"}))
	axis, labels := ls[len(ls)-2], ls[len(ls)-1]
	tick := columnOf(labels, "09:00") + 2
	if tick < 2 || []rune(axis)[tick] != '┬' {
		t.Fatalf("no tick under 09:00 (column %d):\n%s\n%s", tick, axis, labels)
	}
	markerRows := 0
	for _, l := range ls[2 : len(ls)-2] {
		if c := runeCol(l, '┊'); c >= 0 {
			markerRows++
			if c != tick {
				t.Errorf("marker in column %d, 09:00 is column %d:\n%s", c, tick, strings.Join(ls, "\n"))
			}
		}
	}
	if markerRows == 0 {
		t.Fatalf("no marker drawn:\n%s", strings.Join(ls, "\n"))
	}
	if c := columnOf(strings.Join(ls[:3], "\n"), "r7"); c < 0 {
		t.Errorf("marker label r7 missing")
	}
	if strings.Contains(strings.Join(ls, "\n"), "r3") {
		t.Error("a marker before the window is drawn")
	}
}

func TestLineBreaksAtMissingSamples(t *testing.T) {
	vs := make([]float64, 61)
	for i := range vs {
		vs[i] = 100
	}
	for i := 20; i < 40; i++ {
		vs[i] = math.NaN()
	}
	ls := lines(chart(69, 8, vs2panel(vs), metrics.Threshold{}))
	// The plot is 69-7-4 = 58 cells for 60 minutes: minutes 20..39 are
	// cells 20..38; the middle of the gap has no dots.
	top := ""
	for _, l := range ls {
		if strings.ContainsAny(l, "⠁⠂⠄⡀⠈⠐⠠⢀⣀⠉⠒⠤") {
			top = l
			break
		}
	}
	r := []rune(top)
	if len(r) < plotX0+40 {
		t.Fatalf("no line drawn:\n%s", strings.Join(ls, "\n"))
	}
	for x := plotX0 + 24; x < plotX0+34; x++ {
		if r[x] != ' ' {
			t.Errorf("cell %d inside the gap is %q:\n%s", x-plotX0, r[x], top)
		}
	}
	if r[plotX0+5] == ' ' || r[plotX0+50] == ' ' {
		t.Errorf("the line is missing outside the gap:\n%s", top)
	}
}

func vs2panel(vs []float64) metrics.Panel { return flat(metrics.RequestRate, vs...) }

func TestPanelsWithoutAChartSayWhy(t *testing.T) {
	failed := flat(metrics.LatencyP99, 0.1, 0.2)
	failed.Err = errors.New(`bad_data: 1:14: parse error: unexpected "}" in label matching`)
	inf := flat(metrics.LatencyP99, math.Inf(1), math.Inf(1))
	nan := flat(metrics.ErrorRatio, math.NaN(), math.NaN(), math.Inf(1))
	empty := metrics.Panel{Signal: metrics.ErrorRatio}
	for _, tc := range []struct {
		p    metrics.Panel
		want string
	}{
		{failed, `✗ bad_data: 1:14: parse error: unexpected "}" in label`},
		{inf, "? no usable samples: every value is +Inf"},
		{nan, "? no usable samples: every value is NaN or +Inf"},
		{empty, "? no data: the query returned no series"},
	} {
		v := strings.Join(lines(chart(80, 8, tc.p, errorThreshold)), "\n")
		if !strings.Contains(v, tc.want) || strings.Contains(v, "└") {
			t.Errorf("want %q and no chart, got\n%s", tc.want, v)
		}
	}
	m := New(tuitest.Common(80, 8), metrics.ErrorRatio)
	m.SetSize(80, 8)
	if v := ansi.Strip(m.View()); !strings.Contains(v, "waiting for the first answer") {
		t.Errorf("before any panel: %q", v)
	}
}

func TestFailedPanelEscapesPrometheusText(t *testing.T) {
	p := flat(metrics.ErrorRatio, 1)
	p.Err = errors.New("bad\x1b[2Jquery\x07")
	v := chart(80, 6, p, errorThreshold).View()
	if strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x07") {
		t.Errorf("control sequences reach the screen: %q", v)
	}
}

func TestUnits(t *testing.T) {
	for _, tc := range []struct {
		s    metrics.Signal
		v    float64
		want string
	}{
		{metrics.ErrorRatio, 0.121, "12.1%"},
		{metrics.ErrorRatio, 0.0025, "0.25%"},
		{metrics.ErrorRatio, 0, "0%"},
		{metrics.LatencyP99, 1.8, "1.8s"},
		{metrics.LatencyP99, 0.25, "250ms"},
		{metrics.LatencyP50, 0.0042, "4.2ms"},
		{metrics.RequestRate, 120, "120/s"},
		{metrics.RequestRate, 1500, "1.5k/s"},
		{metrics.Memory, 512 * 1024 * 1024, "512Mi"},
		{metrics.CPUThrottling, 0.5, "50%"},
		{metrics.Restarts, 3, "3"},
		{metrics.ErrorRatio, math.NaN(), "NaN"},
		{metrics.LatencyP99, math.Inf(1), "+Inf"},
	} {
		if got := axisLabel(tc.s, tc.v); got != tc.want {
			t.Errorf("axisLabel(%s, %v) = %q, want %q", tc.s, tc.v, got, tc.want)
		}
	}
	// The Y axis' top is a round number above the data, in the unit.
	ls := lines(chart(80, 10, flat(metrics.LatencyP99, 0.3, 0.9, 1.7), metrics.Threshold{Degraded: 0.5, Critical: 1}))
	if !strings.Contains(ls[1]+ls[2], "2s┤") {
		t.Errorf("top label: %q", ls[1]+ls[2])
	}
}

func TestAnySizeFitsAndNeverPanics(t *testing.T) {
	p, change := rollout(Points(80))
	failed := p
	failed.Err = errors.New("prometheus unreachable: dial tcp 127.0.0.1:9090: connect: connection refused")
	for _, panel := range []metrics.Panel{p, failed, {Signal: metrics.ErrorRatio}} {
		for w := 0; w <= 40; w += 3 {
			for h := 0; h <= 14; h++ {
				v := chart(w, h, panel, errorThreshold, Marker{T: change, Label: "r6"}).View()
				if w == 0 || h == 0 {
					if v != "" {
						t.Errorf("%dx%d: %q", w, h, v)
					}
					continue
				}
				ls := strings.Split(v, "\n")
				if len(ls) != h {
					t.Errorf("%dx%d: %d lines", w, h, len(ls))
				}
				for _, l := range ls {
					if got := ansi.StringWidth(l); got != w {
						t.Errorf("%dx%d: line %q is %d wide", w, h, ansi.Strip(l), got)
					}
				}
			}
		}
	}
}

func TestGoldens(t *testing.T) {
	p, change := rollout(Points(100))
	tuitest.Golden(t, "rollout_100x12", tuitest.ASCII(chart(100, 12, p, errorThreshold, Marker{T: change, Label: "r6"}).View()))
	p, change = rollout(Points(56))
	tuitest.Golden(t, "rollout_56x8", tuitest.ASCII(chart(56, 8, p, errorThreshold, Marker{T: change, Label: "r6"}).View()))
}
