package config

import (
	"fmt"
	"maps"
	"math"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Health is the health section: threshold defaults and per-workload
// metric settings.
type Health struct {
	// Thresholds override the built-in defaults for every workload.
	Thresholds map[metrics.Signal]ThresholdOverride
	// Workloads are per-workload settings, by NAMESPACE/NAME or a glob
	// such as shop/* or */checkout.
	Workloads []WorkloadHealth
}

// ThresholdOverride is the part of a threshold a file sets; nil fields
// keep the value underneath.
type ThresholdOverride struct {
	Degraded, Critical *float64
	For                *time.Duration
}

// Apply sets o's fields on t.
func (o ThresholdOverride) Apply(t metrics.Threshold) metrics.Threshold {
	if o.Degraded != nil {
		t.Degraded = *o.Degraded
	}
	if o.Critical != nil {
		t.Critical = *o.Critical
	}
	if o.For != nil {
		t.For = *o.For
	}
	return t
}

// WorkloadHealth is one health.workloads entry.
type WorkloadHealth struct {
	Pattern    string
	Preset     string
	Queries    map[metrics.Signal]string
	Thresholds map[metrics.Signal]ThresholdOverride
	Line       int
}

// HealthSettings are the metric settings of the workload namespace/name:
// an exact NAMESPACE/NAME entry beats a pattern, and among patterns the
// first in the file wins. Thresholds are the built-in defaults, then
// health.thresholds, then the entry's own.
func (c *Config) HealthSettings(namespace, name string) metrics.Settings {
	th := applyOverrides(metrics.DefaultThresholds(), c.Health.Thresholds)
	w := c.Health.workload(namespace + "/" + name)
	if w == nil {
		return metrics.Settings{Thresholds: th}
	}
	return metrics.Settings{
		Preset:     w.Preset,
		Queries:    maps.Clone(w.Queries),
		Thresholds: applyOverrides(th, w.Thresholds),
	}
}

func (h *Health) workload(key string) *WorkloadHealth {
	for i := range h.Workloads {
		if h.Workloads[i].Pattern == key {
			return &h.Workloads[i]
		}
	}
	for i := range h.Workloads {
		if ok, _ := path.Match(h.Workloads[i].Pattern, key); ok {
			return &h.Workloads[i]
		}
	}
	return nil
}

func applyOverrides(base map[metrics.Signal]metrics.Threshold, o map[metrics.Signal]ThresholdOverride) map[metrics.Signal]metrics.Threshold {
	out := maps.Clone(base)
	for s, x := range o {
		out[s] = x.Apply(out[s])
	}
	return out
}

func signalNames() []string {
	var out []string
	for _, s := range metrics.Signals() {
		out = append(out, string(s))
	}
	return out
}

func readHealth(m yamlfields.Mapping) Health {
	var h Health
	m.Known("thresholds", "workloads")
	if tm, ok := m.Map("thresholds"); ok {
		h.Thresholds = readThresholds(tm, metrics.DefaultThresholds())
	}
	base := applyOverrides(metrics.DefaultThresholds(), h.Thresholds)
	if wm, ok := m.Map("workloads"); ok {
		for _, e := range wm.Entries() {
			ns, name, found := strings.Cut(e.Key, "/")
			if _, err := path.Match(e.Key, ""); err != nil || !found || ns == "" || name == "" || strings.Contains(name, "/") {
				wm.ErrorfAt(e, "name a workload as NAMESPACE/NAME (globs allowed: shop/*, */checkout)")
				continue
			}
			em, ok := wm.MapAt(e)
			if !ok {
				continue
			}
			h.Workloads = append(h.Workloads, readWorkload(em, e, base))
		}
	}
	return h
}

func readWorkload(m yamlfields.Mapping, e yamlfields.Entry, base map[metrics.Signal]metrics.Threshold) WorkloadHealth {
	w := WorkloadHealth{Pattern: e.Key, Line: e.KeyN.Line}
	m.Known("preset", "queries", "thresholds")
	if p, ok := m.String("preset"); ok {
		var known []string
		for _, x := range metrics.DefaultPresets() {
			if x.Queries[metrics.ErrorRatio] != "" {
				known = append(known, x.Name)
			}
		}
		if slices.Contains(known, p) {
			w.Preset = p
		} else {
			m.Errorf("preset", "%q is not a preset (known: %s)", p, strings.Join(known, ", "))
		}
	}
	if qm, ok := m.Map("queries"); ok {
		qm.Known(signalNames()...)
		for _, qe := range qm.Entries() {
			if !slices.Contains(signalNames(), qe.Key) {
				continue
			}
			text, ok := qm.String(qe.Key)
			if !ok {
				continue
			}
			if err := metrics.CheckTemplate(text); err != nil {
				qm.Errorf(qe.Key, "the query template does not render: %v", err)
				continue
			}
			if w.Queries == nil {
				w.Queries = map[metrics.Signal]string{}
			}
			w.Queries[metrics.Signal(qe.Key)] = text
		}
	}
	if tm, ok := m.Map("thresholds"); ok {
		w.Thresholds = readThresholds(tm, base)
	}
	return w
}

// readThresholds reads signal: {degraded, critical, for} entries; each is
// checked as it would apply over base.
func readThresholds(m yamlfields.Mapping, base map[metrics.Signal]metrics.Threshold) map[metrics.Signal]ThresholdOverride {
	out := map[metrics.Signal]ThresholdOverride{}
	m.Known(signalNames()...)
	for _, e := range m.Entries() {
		if !slices.Contains(signalNames(), e.Key) {
			continue
		}
		s := metrics.Signal(e.Key)
		tm, ok := m.MapAt(e)
		if !ok {
			continue
		}
		tm.Known("degraded", "critical", "for")
		var o ThresholdOverride
		valid := true
		for _, lvl := range []struct {
			key string
			dst **float64
		}{{"degraded", &o.Degraded}, {"critical", &o.Critical}} {
			text, ok := tm.String(lvl.key)
			if !ok {
				continue
			}
			v, err := parseLevel(s, text)
			if err != nil {
				tm.Errorf(lvl.key, "%v", err)
				valid = false
				continue
			}
			*lvl.dst = &v
		}
		if d, ok := tm.Duration("for", 0, 24*time.Hour); ok {
			o.For = &d
		}
		if !valid {
			continue
		}
		t := o.Apply(base[s])
		if t.Degraded > 0 && t.Critical > 0 && t.Degraded > t.Critical {
			tm.Errorf("degraded", "degraded %s is above critical %s, so it would never show", metrics.FormatValue(s, t.Degraded), metrics.FormatValue(s, t.Critical))
			continue
		}
		out[s] = o
	}
	return out
}

// parseLevel reads a threshold level in the signal's unit: a ratio as 5%
// or 0.05, a latency as 800ms or 1.5s (or seconds), memory as 512Mi or
// 2GiB (or bytes); 0 or off turns the level off.
func parseLevel(s metrics.Signal, text string) (float64, error) {
	t := strings.TrimSpace(text)
	if t == "off" {
		return 0, nil
	}
	ratio := s == metrics.ErrorRatio || s == metrics.CPUThrottling
	latency := s == metrics.LatencyP99 || s == metrics.LatencyP50
	var v float64
	var err error
	switch {
	case strings.HasSuffix(t, "%"):
		if !ratio {
			return 0, fmt.Errorf("%q: a percentage fits error_ratio and cpu_throttling, not %s", text, s)
		}
		v, err = number(strings.TrimSuffix(t, "%"))
		v /= 100
	case latency && strings.IndexFunc(t, isUnitLetter) >= 0:
		var d time.Duration
		d, err = time.ParseDuration(t)
		v = d.Seconds()
	case s == metrics.Memory && strings.IndexFunc(t, isUnitLetter) >= 0:
		v, err = bytesValue(t)
	default:
		v, err = number(t)
	}
	if err != nil {
		return 0, fmt.Errorf("%q is not a level for %s (%s)", text, s, levelExample(s))
	}
	switch {
	case v < 0:
		return 0, fmt.Errorf("%q is negative", text)
	case ratio && v > 1:
		return 0, fmt.Errorf("%q is above 100%% (write 5%% or 0.05 for five percent)", text)
	}
	return v, nil
}

func isUnitLetter(r rune) bool { return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') }

func number(t string) (float64, error) {
	v, err := strconv.ParseFloat(strings.TrimSpace(t), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("not a number")
	}
	return v, nil
}

func bytesValue(t string) (float64, error) {
	units := []struct {
		suffix string
		mult   float64
	}{
		{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
		{"Ki", 1 << 10}, {"Mi", 1 << 20}, {"Gi", 1 << 30}, {"Ti", 1 << 40},
		{"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
	}
	for _, u := range units {
		if n, ok := strings.CutSuffix(t, u.suffix); ok {
			v, err := number(n)
			return v * u.mult, err
		}
	}
	return 0, fmt.Errorf("unknown unit")
}

func levelExample(s metrics.Signal) string {
	switch s {
	case metrics.ErrorRatio, metrics.CPUThrottling:
		return "write 5% or 0.05"
	case metrics.LatencyP99, metrics.LatencyP50:
		return "write 800ms, 1.5s or 0.8"
	case metrics.Memory:
		return "write 512Mi, 2GiB or a number of bytes"
	case metrics.RequestRate:
		return "requests per second, such as 100"
	}
	return "a number such as 3"
}
