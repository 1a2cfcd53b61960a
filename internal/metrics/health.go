package metrics

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"
)

// Health renders, queries and judges a workload's signals. It keeps no
// state between calls (callers cache detection and answers) and is safe
// for concurrent use.
type Health struct {
	Source Source
	// Presets are the conventions to try; nil means DefaultPresets().
	Presets []Preset
	// Scrape is the assumed scrape interval (0 = 15s); rate() ranges are
	// at least 4 times it so they always hold several samples.
	Scrape time.Duration
	// Timeout bounds each query (0 = 5s).
	Timeout time.Duration
	// Settings gives a target's settings from the configuration; nil
	// means the defaults.
	Settings func(Target) Settings
	// Memo, when set, remembers detected presets and the alerts list
	// across checks (the console's many rows); nil asks every time.
	Memo *Memo
}

// Panel is one signal's answer over a range.
type Panel struct {
	Signal Signal
	Query  Query
	Range  Range
	// Series are the aggregate (Revision "") first, then one per revision.
	Series []Series
	// Err is this panel's problem (Prometheus' own message for bad
	// PromQL); the other panels are unaffected.
	Err     error
	Fetched time.Time
}

// MaxPoints is Prometheus' limit on points per series in one query_range.
const MaxPoints = 11000

// The windows mayday plots.
const (
	MinWindow = time.Minute
	MaxWindow = 30 * 24 * time.Hour
)

// PlanRange spreads window over cells plot columns ending at end: one
// point per cell at most (and never more than MaxPoints), the step rounded
// up to whole seconds and at least one second.
func PlanRange(end time.Time, window time.Duration, cells int) (Range, error) {
	switch {
	case window <= 0:
		return Range{}, fmt.Errorf("window must be positive (got %s)", ShortDuration(window))
	case window < MinWindow:
		return Range{}, fmt.Errorf("window %s is shorter than %s, the shortest mayday plots", ShortDuration(window), ShortDuration(MinWindow))
	case window > MaxWindow:
		return Range{}, fmt.Errorf("window %s is longer than %s, the longest mayday queries", ShortDuration(window), ShortDuration(MaxWindow))
	case cells < 1:
		return Range{}, fmt.Errorf("need at least one column to plot in (got %d)", cells)
	}
	n := min(cells, MaxPoints)
	step := ceilSecond(window / time.Duration(n))
	// Prometheus returns floor(span/step)+1 points, the last at
	// Start+k*step. A span of whole steps puts the last one at End, so the
	// verdict reads a fresh sample whatever the window; at most n points.
	k := min(int64(window/step), int64(n-1))
	span := time.Duration(k) * step
	return Range{Start: end.Add(-span), End: end, Step: step}, nil
}

// ceilSecond rounds d up to whole seconds, at least one.
func ceilSecond(d time.Duration) time.Duration {
	d = (d + time.Second - 1).Truncate(time.Second)
	return max(d, time.Second)
}

func (h *Health) scrape() time.Duration { return cmp.Or(h.Scrape, DefaultScrapeInterval) }

func (h *Health) timeout() time.Duration { return cmp.Or(h.Timeout, DefaultTimeout) }

func (h *Health) presets() []Preset {
	if h.Presets == nil {
		return DefaultPresets()
	}
	return h.Presets
}

func (h *Health) settings(t Target) Settings {
	if h.Settings == nil {
		return Settings{}
	}
	return h.Settings(t)
}

// RateRange is the rate() range for a plot step: at least 4 scrape
// intervals (so a rate always has samples to work with) and at least the
// step (so no sample falls between two points), in whole seconds.
func (h *Health) RateRange(step time.Duration) time.Duration {
	return ceilSecond(max(4*h.scrape(), step))
}

// ErrNoMetrics is wrapped by Detect's error when no preset has data.
var ErrNoMetrics = errors.New("no metrics found")

// Detect names the preset that applies to t: Settings.Preset when the
// configuration sets one, else the first request preset whose probe has
// data. The probes run together; each is one instant query.
func (h *Health) Detect(ctx context.Context, t Target) (string, error) {
	if h.Memo != nil {
		return h.Memo.detect(t, func() (string, error) { return h.detect(ctx, t) })
	}
	return h.detect(ctx, t)
}

func (h *Health) detect(ctx context.Context, t Target) (string, error) {
	presets := h.presets()
	if name := h.settings(t).Preset; name != "" {
		if _, ok := findPreset(presets, name); !ok {
			return "", fmt.Errorf("preset %q is not known (known: %s)", name, strings.Join(presetNames(presets, nil), ", "))
		}
		return name, nil
	}
	if h.Source == nil {
		return "", errNoSource
	}
	var candidates []Preset
	for _, p := range presets {
		if isRequestPreset(p) && p.Probe != "" {
			candidates = append(candidates, p)
		}
	}
	found := make([]bool, len(candidates))
	errs := make([]error, len(candidates))
	now := time.Now()
	var wg sync.WaitGroup
	for i, p := range candidates {
		wg.Go(func() {
			expr, err := render(p.Name+" probe", p.Probe, t, h.RateRange(0), false)
			if err != nil {
				errs[i] = err
				return
			}
			pctx, cancel := context.WithTimeout(ctx, h.timeout())
			defer cancel()
			series, err := h.Source.QueryRange(pctx, Query{Preset: p.Name, Expr: expr, Target: t}, Range{Start: now, End: now, Step: time.Second})
			found[i] = hasPoints(series)
			if err != nil {
				errs[i] = &sourceError{err}
			}
		})
	}
	wg.Wait()
	for i, p := range candidates {
		if found[i] {
			return p.Name, nil
		}
	}
	for _, err := range errs {
		if err != nil {
			return "", err
		}
	}
	return "", fmt.Errorf("%w for %s/%s: tried %s", ErrNoMetrics, t.Namespace, t.Name, strings.Join(presetNames(candidates, nil), ", "))
}

// sourceError marks a detection failure of the source itself (unreachable,
// refused, timed out), after which querying the signals is pointless.
type sourceError struct{ err error }

func (e *sourceError) Error() string { return e.err.Error() }
func (e *sourceError) Unwrap() error { return e.err }

var errNoSource = errors.New("no metrics source: configure prometheus.url for this context or pass --prometheus")

func hasPoints(series []Series) bool {
	for _, s := range series {
		if len(s.Points) > 0 {
			return true
		}
	}
	return false
}

// Queries renders t's queries: each signal from the configuration's
// override (preset "custom") if any, else from preset, else from "kube"
// (saturation). perRevision asks for one series per revision as well,
// which only a Deployment's pod names allow. A template that does not
// render is that signal's error; the others are unaffected.
func (h *Health) Queries(t Target, preset string, rate time.Duration, perRevision bool) (map[Signal]Query, map[Signal]error) {
	presets := h.presets()
	overrides := h.settings(t).Queries
	chosen, known := findPreset(presets, preset)
	kube, _ := findPreset(presets, "kube")
	perRevision = perRevision && isDeployment(t.Kind)
	qs := map[Signal]Query{}
	errs := map[Signal]error{}
	for _, s := range Signals() {
		name, text, where := "", "", ""
		if o, ok := overrides[s]; ok {
			name, text, where = CustomPreset, o, "the query template in the configuration's health.workloads"
		} else if tx, ok := chosen.Queries[s]; known && ok {
			name, text, where = chosen.Name, tx, "preset "+chosen.Name+"'s query template"
		} else if tx, ok := kube.Queries[s]; ok {
			name, text, where = kube.Name, tx, "preset kube's query template"
		} else {
			if preset != "" && !known && s != CPUThrottling && s != Memory && s != Restarts {
				errs[s] = fmt.Errorf("%s: preset %q is not known (known: %s)", s, preset, strings.Join(presetNames(presets, nil), ", "))
			}
			continue
		}
		q, err := renderQuery(s, name, text, t, rate, perRevision)
		if err != nil {
			errs[s] = fmt.Errorf("%s: %s does not render for %s/%s: %w", s, where, t.Namespace, t.Name, err)
			continue
		}
		qs[s] = q
	}
	return qs, errs
}

// renderQuery renders one template; per revision it sends the per-revision
// and the aggregate expressions as one query joined by "or" (their label
// sets differ, so both come back).
func renderQuery(s Signal, preset, text string, t Target, rate time.Duration, perRevision bool) (Query, error) {
	agg, err := render(string(s), text, t, rate, false)
	if err != nil {
		return Query{}, err
	}
	q := Query{Signal: s, Preset: preset, Expr: agg, Rate: rate, Target: t}
	if !perRevision {
		return q, nil
	}
	per, err := render(string(s), text, t, rate, true)
	if err != nil {
		return Query{}, err
	}
	if per != agg {
		q.Expr = "(" + per + ") or (" + agg + ")"
		q.PerRevision = true
	}
	return q, nil
}

// Panel runs q over r: exactly one query, bounded by the timeout.
func (h *Health) Panel(ctx context.Context, q Query, r Range) Panel {
	p := Panel{Signal: q.Signal, Query: q, Range: r}
	if h.Source == nil {
		p.Err, p.Fetched = errNoSource, time.Now()
		return p
	}
	qctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	series, err := h.Source.QueryRange(qctx, q, r)
	p.Fetched = time.Now()
	if err != nil {
		p.Err = err
		return p
	}
	p.Series = sortSeries(series, q.Target.Revisions)
	return p
}

// sortSeries puts the aggregate first, then revisions by number (by hash
// when the number is not known).
func sortSeries(series []Series, revisions map[string]int64) []Series {
	out := slices.Clone(series)
	slices.SortStableFunc(out, func(a, b Series) int {
		if (a.Revision == "") != (b.Revision == "") {
			if a.Revision == "" {
				return -1
			}
			return 1
		}
		na, oka := revisions[a.Revision]
		nb, okb := revisions[b.Revision]
		switch {
		case oka && okb && na != nb:
			return cmp.Compare(na, nb)
		case oka != okb:
			if oka {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Revision, b.Revision)
	})
	return out
}

// Check is the whole answer for a workload: detect its preset, render the
// signals asked for, query each over window (one query per signal, run
// together) along with the alerts, and judge them.
func (h *Health) Check(ctx context.Context, t Target, window time.Duration, cells int, signals []Signal) (Verdict, []Panel) {
	source := "none"
	if h.Source != nil {
		source = h.Source.Name()
	}
	r, err := PlanRange(time.Now(), window, cells)
	if err != nil {
		return Verdict{State: Unknown, Reason: err.Error(), At: time.Now(), Source: source}, nil
	}
	preset, detectErr := h.Detect(ctx, t)
	var down *sourceError
	if errors.As(detectErr, &down) {
		// Prometheus did not answer the probes: say so for every signal
		// instead of waiting for it again.
		panels := make([]Panel, len(signals))
		for i, s := range signals {
			panels[i] = Panel{Signal: s, Query: Query{Signal: s, Target: t}, Range: r, Err: detectErr, Fetched: time.Now()}
		}
		v := Evaluate(panels, nil, h.settings(t).EffectiveThresholds(), time.Now(), source)
		v.Reason = detectErr.Error()
		return v, panels
	}
	qs, qerrs := h.Queries(t, preset, h.RateRange(r.Step), true)
	panels := make([]Panel, len(signals))
	var alerts []Alert
	var alertsErr error
	var wg sync.WaitGroup
	for i, s := range signals {
		q, ok := qs[s]
		if !ok {
			err := qerrs[s]
			if err == nil && detectErr != nil {
				err = detectErr
			}
			if err == nil {
				err = errNoQuery(s, preset)
			}
			panels[i] = Panel{Signal: s, Query: Query{Signal: s, Target: t}, Range: r, Err: err, Fetched: time.Now()}
			continue
		}
		wg.Go(func() { panels[i] = h.Panel(ctx, q, r) })
	}
	if h.Source != nil {
		wg.Go(func() { alerts, alertsErr = h.Alerts(ctx, t) })
	}
	wg.Wait()
	v := Evaluate(panels, alerts, h.settings(t).EffectiveThresholds(), time.Now(), source)
	switch {
	case detectErr != nil && v.State == Unknown && slices.ContainsFunc(panels, func(p Panel) bool { return p.Err == detectErr }):
		// The signals are unknown because no preset applies: say that
		// once rather than once per signal.
		v.Reason = detectErr.Error()
	case alertsErr != nil && v.State == Healthy:
		v.Reason += "; alerts not checked: " + alertsErr.Error()
	}
	return v, panels
}

func errNoQuery(s Signal, preset string) error {
	return fmt.Errorf("no query for %s in preset %s", s.Label(), preset)
}
