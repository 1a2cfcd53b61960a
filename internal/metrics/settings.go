package metrics

import (
	"maps"
	"time"
)

// Settings are one workload's metric settings from the configuration; the
// zero value means the defaults.
type Settings struct {
	// Preset forces a preset by name; "" detects it.
	Preset string
	// Queries override a preset's templates per signal (preset "custom").
	Queries map[Signal]string
	// Thresholds override the defaults per signal.
	Thresholds map[Signal]Threshold
}

// Defaults for talking to Prometheus.
const (
	// DefaultTimeout is the per-query timeout.
	DefaultTimeout = 5 * time.Second
	// DefaultRefresh is how often the health screens query again.
	DefaultRefresh = 10 * time.Second
	// DefaultScrapeInterval is the scrape interval assumed for rate()
	// ranges.
	DefaultScrapeInterval = 15 * time.Second
)

// DefaultThresholds are common practice: more than 1% errors is degraded
// and more than 5% critical; a p99 above 500ms is degraded and above 1s
// critical; each held for a minute. Request rate and memory have none:
// they are shown, not judged.
func DefaultThresholds() map[Signal]Threshold {
	return map[Signal]Threshold{
		ErrorRatio:    {Degraded: 0.01, Critical: 0.05, For: time.Minute},
		LatencyP99:    {Degraded: 0.5, Critical: 1, For: time.Minute},
		LatencyP50:    {Degraded: 0.25, Critical: 1, For: time.Minute},
		CPUThrottling: {Degraded: 0.25, Critical: 0.5, For: 5 * time.Minute},
		// More than half a restart: increase() extrapolates, so a single
		// restart in the window can read as 0.9 or 1.2.
		Restarts: {Degraded: 0.5},
	}
}

// EffectiveThresholds are the defaults with s's overrides applied.
func (s Settings) EffectiveThresholds() map[Signal]Threshold {
	out := DefaultThresholds()
	maps.Copy(out, s.Thresholds)
	return out
}
