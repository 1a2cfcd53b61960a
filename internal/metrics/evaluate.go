package metrics

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// StaleAfter is how old the latest sample of a panel may be (beyond one
// step) before its value no longer counts as current: Prometheus itself
// stops returning a series 5 minutes after its last sample.
const StaleAfter = 5 * time.Minute

// Evaluate judges panels and firing alerts against thresholds at now. It
// is pure: the same input gives the same verdict.
//
// Each signal's value is the latest point of its aggregate series (the
// highest, if a query returns several). A signal is unknown, with the
// reason, when its panel failed, has no series or no points, its latest
// value is NaN or ±Inf, or that value is stale. A signal with a threshold
// is critical or degraded when its value is above the level for every
// sample within the last For (a series shorter than For is judged on the
// samples it has, so at least the latest must be above; NaN samples count
// neither way); otherwise healthy. A signal without a threshold is only
// shown: healthy when it has a value, and never part of the verdict.
// Saturation signals (CPU throttling, memory, restarts) whose query
// returns no samples at all are left out of the verdict: their metrics are
// not collected.
//
// The verdict is the worst of the judged signals and of the firing alerts
// (critical when the alert's severity label is critical or page, degraded
// otherwise). When no judged signal is known and no alert fires, it is
// unknown; when the error ratio is unknown it is never healthy (unknown
// unless something else is degraded or critical); other unknown signals
// are named in the reason.
func Evaluate(panels []Panel, alerts []Alert, thresholds map[Signal]Threshold, now time.Time, source string) Verdict {
	v := Verdict{At: now, Source: source, Signals: make([]SignalResult, 0, len(panels))}
	type judged struct {
		r       SignalResult
		summary string // "error ratio 12.3% > 5% (critical) for 2m"
	}
	var all []judged
	worst := Unknown
	for _, p := range panels {
		th := thresholds[p.Signal]
		r, summary := evaluatePanel(p, th, now)
		v.Signals = append(v.Signals, r)
		if hasLevels(th) && !(optional(p.Signal) && p.Err == nil && !hasPoints(p.Series)) {
			all = append(all, judged{r, summary})
			worst = max(worst, r.State)
		}
	}
	var alertReasons []string
	alertWorst := Unknown
	for _, a := range alerts {
		if a.State != "firing" {
			continue
		}
		v.Alerts = append(v.Alerts, a)
		s, why := alertState(a)
		alertWorst = max(alertWorst, s)
		alertReasons = append(alertReasons, why)
	}
	worst = max(worst, alertWorst)

	var unknown []SignalResult
	var healthy []string
	errorRatioUnknown := false
	for _, j := range all {
		switch j.r.State {
		case Unknown:
			unknown = append(unknown, j.r)
			errorRatioUnknown = errorRatioUnknown || j.r.Signal == ErrorRatio
		case Healthy:
			healthy = append(healthy, j.summary)
		}
	}
	unknownNote := unknownSummary(unknown)

	switch {
	case worst >= Degraded:
		v.State = worst
		var reasons []string
		for _, j := range all {
			if j.r.State == worst {
				reasons = append(reasons, j.summary)
			}
		}
		if alertWorst == worst {
			for _, a := range v.Alerts {
				if s, why := alertState(a); s == worst {
					reasons = append(reasons, why)
				}
			}
		}
		v.Reason = strings.Join(appendNote(reasons, unknownNote), "; ")
	case len(all) == 0 && len(v.Alerts) == 0:
		v.State = Unknown
		v.Reason = "no signal with a threshold to judge by"
	case worst == Unknown || errorRatioUnknown:
		v.State = Unknown
		v.Reason = unknownNote
		if len(healthy) > 0 {
			v.Reason += " (" + strings.Join(healthy, ", ") + ")"
		}
	default:
		v.State = Healthy
		reasons := healthy
		if len(alertReasons) == 0 && len(healthy) == 0 {
			reasons = []string{"no firing alerts"}
		}
		v.Reason = "healthy: " + strings.Join(appendNote([]string{strings.Join(reasons, ", ")}, unknownNote), "; ")
	}
	return v
}

func appendNote(reasons []string, note string) []string {
	if note == "" {
		return reasons
	}
	return append(reasons, note)
}

func hasLevels(th Threshold) bool { return th.Degraded > 0 || th.Critical > 0 }

// optional signals count only where their metrics exist: many clusters
// have no kube-state-metrics or cAdvisor scrape, and that is no reason to
// doubt a workload.
func optional(s Signal) bool { return s == CPUThrottling || s == Memory || s == Restarts }

// unknownSummary names the unknown signals, grouped by reason:
// "error ratio, p99: no data".
func unknownSummary(unknown []SignalResult) string {
	var order []string
	byReason := map[string][]string{}
	for _, r := range unknown {
		if _, seen := byReason[r.Reason]; !seen {
			order = append(order, r.Reason)
		}
		byReason[r.Reason] = append(byReason[r.Reason], r.Signal.Label())
	}
	parts := make([]string, 0, len(order))
	for _, reason := range order {
		parts = append(parts, strings.Join(byReason[reason], ", ")+" unknown: "+reason)
	}
	return strings.Join(parts, "; ")
}

// alertState is what a firing alert does to the verdict.
func alertState(a Alert) (State, string) {
	sev := strings.ToLower(a.Labels["severity"])
	name := a.Name
	if name == "" {
		name = a.Labels["alertname"]
	}
	why := "alert " + name + " firing"
	if sev != "" {
		why += " (severity " + sev + ")"
	}
	if sev == "critical" || sev == "page" {
		return Critical, why
	}
	return Degraded, why
}

// evaluatePanel judges one panel; summary is the signal's part of the
// verdict's reason.
func evaluatePanel(p Panel, th Threshold, now time.Time) (SignalResult, string) {
	r := SignalResult{Signal: p.Signal, Query: p.Query.Expr, Preset: p.Query.Preset, Threshold: th}
	unknown := func(reason string) (SignalResult, string) {
		r.State, r.Reason = Unknown, reason
		return r, p.Signal.Label() + " unknown: " + reason
	}
	if p.Err != nil {
		return unknown(p.Err.Error())
	}
	series, ok := latestAggregate(p.Series)
	if !ok {
		return unknown("no data")
	}
	last := series.Points[len(series.Points)-1]
	r.SampledAt = last.T
	if math.IsNaN(last.V) || math.IsInf(last.V, 0) {
		return unknown("value is " + FormatValue(p.Signal, last.V) + nonFiniteHint(p.Signal, last.V))
	}
	r.Value, r.HasValue = last.V, true
	if age := now.Sub(last.T); age > StaleAfter+p.Range.Step {
		return unknown("latest sample is " + ShortDuration(age.Round(time.Second)) + " old")
	}
	value := p.Signal.Label() + " " + FormatValue(p.Signal, last.V)
	r.State = Healthy
	if !hasLevels(th) {
		return r, value
	}
	for _, lvl := range []struct {
		level float64
		state State
	}{{th.Critical, Critical}, {th.Degraded, Degraded}} {
		if lvl.level > 0 && breached(series.Points, lvl.level, th.For) {
			r.State = lvl.state
			r.Reason = "above " + FormatValue(p.Signal, lvl.level)
			summary := value + " > " + FormatValue(p.Signal, lvl.level) + " (" + lvl.state.String() + ")"
			if th.For > 0 {
				r.Reason += " for " + ShortDuration(th.For)
				summary += " for " + ShortDuration(th.For)
			}
			return r, summary
		}
	}
	// Above a level, but not for long enough yet: say so, like a pending
	// alert, rather than call the value unremarkable.
	for _, level := range []float64{th.Critical, th.Degraded} {
		if level > 0 && last.V > level {
			r.Reason = "above " + FormatValue(p.Signal, level) + ", not yet for " + ShortDuration(th.For)
			return r, value + " (" + r.Reason + ")"
		}
	}
	return r, value
}

func nonFiniteHint(s Signal, v float64) string {
	switch {
	case s == ErrorRatio && math.IsNaN(v):
		return " (no requests in the rate window?)"
	case (s == LatencyP99 || s == LatencyP50) && math.IsNaN(v):
		return " (no requests in the rate window?)"
	case (s == LatencyP99 || s == LatencyP50) && math.IsInf(v, 1):
		return " (above the histogram's highest bucket)"
	}
	return ""
}

// latestAggregate picks the aggregate series (Revision "") to judge: the
// one whose latest point is highest, a finite value beating NaN.
func latestAggregate(series []Series) (Series, bool) {
	var best Series
	found := false
	for _, s := range series {
		if s.Revision != "" || len(s.Points) == 0 {
			continue
		}
		if !found || worse(s.Points[len(s.Points)-1].V, best.Points[len(best.Points)-1].V) {
			best, found = s, true
		}
	}
	return best, found
}

// worse orders latest values: higher is worse; NaN is least informative.
func worse(a, b float64) bool {
	if math.IsNaN(b) {
		return !math.IsNaN(a)
	}
	return !math.IsNaN(a) && a > b
}

// breached reports whether every sample within the last d (ending at the
// latest sample) is above level. NaN samples are skipped; the latest is
// finite (checked by the caller).
func breached(points []Point, level float64, d time.Duration) bool {
	latest := points[len(points)-1].T
	for i := len(points) - 1; i >= 0 && !points[i].T.Before(latest.Add(-d)); i-- {
		v := points[i].V
		if math.IsNaN(v) {
			continue
		}
		if !(v > level) {
			return false
		}
	}
	return true
}

// String is a one-line form of a result, for logs and plain output.
func (r SignalResult) String() string {
	if r.State == Unknown {
		return fmt.Sprintf("%s ? unknown: %s", r.Signal.Label(), r.Reason)
	}
	return fmt.Sprintf("%s %s %s %s", r.Signal.Label(), FormatValue(r.Signal, r.Value), r.State.Glyph(), r.State)
}
