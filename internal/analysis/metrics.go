package analysis

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guptarohit/asciigraph"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/metrics"
)

// The plot of each signal: one point per column over the whole span.
const (
	plotWidth  = 60
	plotHeight = 6
)

// windowSignals are the signals measured before, during and after.
func windowSignals() []metrics.Signal {
	return []metrics.Signal{metrics.ErrorRatio, metrics.LatencyP99, metrics.RequestRate}
}

// metricEvidence is what the signals and the counts show.
type metricEvidence struct {
	windows []report.MetricWindow
	impact  *report.Impact
	// errBefore and errDuring are the mean error ratios (ok: both known);
	// began is the first point during the incident above the degraded
	// level (zero: none).
	errBefore, errDuring float64
	errKnown             bool
	began                time.Time
	p99Before, p99During float64 // the highest p99 of each window
	p99Known             bool
	degraded             float64 // the error ratio's degraded level
}

// gatherMetrics measures the signals before (as long as the incident,
// ending at the deploy), during (deploy to recovery) and after (recovery
// to now) with one range query per signal over the whole span, and the
// impact with two instant queries at the recovery.
func (g *Gatherer) gatherMetrics(ctx context.Context, s subject) (metricEvidence, []error) {
	var ev metricEvidence
	if g.Health == nil {
		return ev, nil
	}
	switch {
	case s.deployed.IsZero():
		return ev, []error{fmt.Errorf("metrics of %s: when the bad revision went live is unknown: name the deploy time", s.ref)}
	case !s.recovered.After(s.deployed):
		return ev, []error{fmt.Errorf("metrics of %s: the recovery (%s) is not after the deploy (%s)", s.ref, stamp(s.recovered), stamp(s.deployed))}
	}
	target := metrics.Target{Namespace: s.ref.Namespace, Kind: string(s.ref.Kind), Name: s.ref.Name}
	preset, err := g.Health.Detect(ctx, target)
	if err != nil {
		return ev, []error{fmt.Errorf("metrics and impact of %s: %w", s.ref, err)}
	}
	var (
		wg         sync.WaitGroup
		werrs      []error
		impact     *report.Impact
		impactErr  error
		thresholds = metrics.DefaultThresholds()
	)
	if g.Health.Settings != nil {
		thresholds = g.Health.Settings(target).EffectiveThresholds()
	}
	ev.degraded = thresholds[metrics.ErrorRatio].Degraded
	wg.Go(func() { werrs = g.windows(ctx, s, target, preset, &ev) })
	wg.Go(func() { impact, impactErr = g.impact(ctx, s, target, preset) })
	wg.Wait()
	ev.impact = impact
	if impactErr != nil {
		werrs = append(werrs, fmt.Errorf("impact of %s: %w", s.ref, impactErr))
	}
	return ev, werrs
}

// windows fills ev's windows and the values the hints need.
func (g *Gatherer) windows(ctx context.Context, s subject, target metrics.Target, preset string, ev *metricEvidence) []error {
	during := s.recovered.Sub(s.deployed)
	end := s.now
	if end.Before(s.recovered) {
		end = s.recovered
	}
	start := s.deployed.Add(-during)
	span := min(max(end.Sub(start), metrics.MinWindow), metrics.MaxWindow)
	r, err := metrics.PlanRange(end, span, plotWidth)
	// The plan ends on a whole step, which may start it after the before
	// window's start: widen it until it covers it.
	for i := 0; err == nil && i < 3 && r.Start.After(start) && span < metrics.MaxWindow; i++ {
		span = min(span+r.Start.Sub(start), metrics.MaxWindow)
		r, err = metrics.PlanRange(end, span, plotWidth)
	}
	if err != nil {
		return []error{fmt.Errorf("metrics of %s: %w", s.ref, err)}
	}
	qs, qerrs := g.Health.Queries(target, preset, g.Health.RateRange(r.Step), false)
	signals := windowSignals()
	panels := make([]metrics.Panel, len(signals))
	var wg sync.WaitGroup
	for i, sig := range signals {
		q, ok := qs[sig]
		if !ok {
			err := qerrs[sig]
			if err == nil {
				err = fmt.Errorf("preset %s has no %s query", preset, sig.Label())
			}
			panels[i] = metrics.Panel{Signal: sig, Err: err}
			continue
		}
		wg.Go(func() { panels[i] = g.Health.Panel(ctx, q, r) })
	}
	wg.Wait()
	var errs []error
	for _, p := range panels {
		if p.Err != nil {
			errs = append(errs, fmt.Errorf("metrics of %s: %s: %w", s.ref, p.Signal.Label(), p.Err))
			continue
		}
		points := aggregate(p.Series)
		before, dur, after := split(points, s.deployed, s.recovered)
		w := report.MetricWindow{Signal: p.Signal.Label()}
		w.Before, w.During, w.After = summary(p.Signal, before), summary(p.Signal, dur), summary(p.Signal, after)
		if len(after) == 0 && !end.After(s.recovered) {
			w.After = "not yet (recovered now)"
		}
		w.Plot = plot(p, points, s)
		ev.windows = append(ev.windows, w)
		switch p.Signal {
		case metrics.ErrorRatio:
			mb, okb := mean(before)
			md, okd := mean(dur)
			ev.errBefore, ev.errDuring, ev.errKnown = mb, md, okb && okd
			for _, pt := range dur {
				if ev.degraded > 0 && pt.V > ev.degraded {
					ev.began = pt.T
					break
				}
			}
		case metrics.LatencyP99:
			mb, okb := peak(before)
			md, okd := peak(dur)
			ev.p99Before, ev.p99During, ev.p99Known = mb, md, okb && okd
		}
	}
	return errs
}

// impact counts the requests of the incident, deploy to recovery, with
// increase() over exactly that window evaluated at the recovery: the
// answer a person gets asking Prometheus the same question.
func (g *Gatherer) impact(ctx context.Context, s subject, target metrics.Target, preset string) (*report.Impact, error) {
	window := s.recovered.Sub(s.deployed)
	failedQ, totalQ, err := g.Health.CountQueries(target, preset, window)
	if err != nil {
		return nil, err
	}
	// Prometheus keeps times to the millisecond: evaluating at a whole
	// millisecond makes the recorded time reproduce the answer exactly.
	end := s.recovered.Truncate(time.Millisecond)
	at := metrics.Range{Start: end, End: end, Step: time.Second}
	var pf, pt metrics.Panel
	var wg sync.WaitGroup
	wg.Go(func() { pf = g.Health.Panel(ctx, failedQ, at) })
	wg.Go(func() { pt = g.Health.Panel(ctx, totalQ, at) })
	wg.Wait()
	for _, p := range []metrics.Panel{pf, pt} {
		if p.Err != nil {
			return nil, fmt.Errorf("%s: %w", p.Signal.Label(), p.Err)
		}
	}
	failed, okf := last(aggregate(pf.Series))
	total, okt := last(aggregate(pt.Series))
	if !okf {
		return nil, fmt.Errorf("no failed-request count for the window (%s)", failedQ.Expr)
	}
	imp := &report.Impact{
		FailedRequests: failed,
		AffectedShare:  -1,
		Window:         fmt.Sprintf("%s (%s → %s)", metrics.ShortDuration(failedQ.Rate), stamp(s.deployed), stamp(s.recovered)),
		Query:          fmt.Sprintf("failed: %s; total: %s; instant queries at %s", failedQ.Expr, totalQ.Expr, end.UTC().Format(time.RFC3339Nano)),
	}
	if okt && total > 0 {
		imp.TotalRequests = total
		imp.AffectedShare = failed / total
	}
	return imp, nil
}

// aggregate is the whole workload's series: the one without a revision
// (Health.Panel sorts it first), else the first.
func aggregate(series []metrics.Series) []metrics.Point {
	for _, s := range series {
		if s.Revision == "" {
			return s.Points
		}
	}
	if len(series) > 0 {
		return series[0].Points
	}
	return nil
}

// split cuts points into before the deploy, during the incident and after
// the recovery; NaN and infinite values are dropped.
func split(points []metrics.Point, deployed, recovered time.Time) (before, during, after []metrics.Point) {
	for _, p := range points {
		if math.IsNaN(p.V) || math.IsInf(p.V, 0) {
			continue
		}
		switch {
		case !p.T.After(deployed):
			before = append(before, p)
		case !p.T.After(recovered):
			during = append(during, p)
		default:
			after = append(after, p)
		}
	}
	return before, during, after
}

func mean(points []metrics.Point) (float64, bool) {
	if len(points) == 0 {
		return 0, false
	}
	sum := 0.0
	for _, p := range points {
		sum += p.V
	}
	return sum / float64(len(points)), true
}

func peak(points []metrics.Point) (float64, bool) {
	if len(points) == 0 {
		return 0, false
	}
	m := points[0].V
	for _, p := range points {
		m = max(m, p.V)
	}
	return m, true
}

func last(points []metrics.Point) (float64, bool) {
	for i := len(points) - 1; i >= 0; i-- {
		if v := points[i].V; !math.IsNaN(v) && !math.IsInf(v, 0) {
			return v, true
		}
	}
	return 0, false
}

// summary is one window's value, saying how it was taken: the mean of a
// ratio or a rate (with the peak of the error ratio), the highest p99.
func summary(s metrics.Signal, points []metrics.Point) string {
	if len(points) == 0 {
		return "no data"
	}
	m, _ := mean(points)
	hi, _ := peak(points)
	switch s {
	case metrics.ErrorRatio:
		return metrics.FormatValue(s, m) + " (mean), peak " + metrics.FormatValue(s, hi)
	case metrics.LatencyP99, metrics.LatencyP50:
		return metrics.FormatValue(s, hi) + " (max)"
	}
	return metrics.FormatValue(s, m) + " (mean)"
}

// plot draws the whole span: one column per step, a gap where there is no
// sample, and a row marking the deploy (▲deploy) and the recovery
// (▲recovered) under the steps they fall in.
func plot(p metrics.Panel, points []metrics.Point, s subject) string {
	r := p.Range
	if r.Step <= 0 {
		return ""
	}
	steps := int(r.End.Sub(r.Start)/r.Step) + 1
	data := make([]float64, steps)
	for i := range data {
		data[i] = math.NaN()
	}
	any := false
	for _, pt := range points {
		i := int(pt.T.Sub(r.Start) / r.Step)
		if i >= 0 && i < steps && !math.IsNaN(pt.V) && !math.IsInf(pt.V, 0) {
			data[i], any = metrics.ChartValue(p.Signal, pt.V), true
		}
	}
	if !any {
		return ""
	}
	caption := fmt.Sprintf("%s (%s), %s → %s", p.Signal.Label(), metrics.ChartUnit(p.Signal), stamp(r.Start), stamp(r.End))
	chart := stripANSI(asciigraph.Plot(data, asciigraph.Height(plotHeight), asciigraph.Precision(metrics.ChartPrecision(p.Signal)), asciigraph.Caption(caption)))
	lines := strings.Split(chart, "\n")
	axis := -1
	for _, mark := range []string{"┤", "┼"} {
		if i := strings.Index(lines[0], mark); i >= 0 {
			axis = len([]rune(lines[0][:i])) + 1
			break
		}
	}
	if axis < 0 || len(lines) < plotHeight+1 {
		return chart
	}
	row := []rune(strings.Repeat(" ", axis+steps+24))
	free := 0
	for _, m := range []struct {
		at    time.Time
		label string
	}{{s.deployed, "▲deploy"}, {s.recovered, "▲recovered"}} {
		if m.at.Before(r.Start) || m.at.After(r.End) {
			continue
		}
		i := max(axis+int(m.at.Sub(r.Start)/r.Step), free)
		for j, c := range []rune(m.label) {
			if i+j < len(row) {
				row[i+j] = c
			}
		}
		free = i + len([]rune(m.label)) + 1
	}
	markers := strings.TrimRight(string(row), " ")
	out := append(lines[:plotHeight+1:plotHeight+1], markers)
	out = append(out, lines[plotHeight+1:]...)
	return strings.Join(out, "\n")
}

// stamp writes a time for the report, in UTC.
func stamp(t time.Time) string {
	return t.UTC().Format("15:04:05") + " UTC"
}

// stripANSI drops colour sequences, should the chart library add any.
func stripANSI(s string) string {
	if !strings.Contains(s, "\x1b") {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// percent writes a ratio as a percentage for the hints.
func percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*1000)/10, 'f', -1, 64) + "%"
}
