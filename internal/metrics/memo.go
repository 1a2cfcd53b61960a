package metrics

import (
	"context"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Memo remembers answers that many checks in a row would otherwise ask
// Prometheus again: which preset applies to a workload (it changes when
// instrumentation does, not every refresh) and the list of alerts (one
// list serves every workload on screen). A console showing thirty
// workloads then sends one alerts request per refresh instead of thirty,
// and no detection probes after the first. Source errors are never
// remembered. The zero value is ready; a Memo is safe for concurrent use.
type Memo struct {
	// PresetTTL is how long a detected preset is kept (0: 5m); "no
	// preset has data" is kept a tenth of it, so newly instrumented
	// workloads show up soon.
	PresetTTL time.Duration
	// AlertsTTL is how long an alerts list is kept (0: 5s).
	AlertsTTL time.Duration
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	mu       sync.Mutex
	presets  map[string]memoPreset
	alerts   []Alert
	alertsAt time.Time
	flight   singleflight.Group
}

type memoPreset struct {
	name string
	err  error
	at   time.Time
}

func (m *Memo) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Memo) presetTTL(err error) time.Duration {
	ttl := m.PresetTTL
	if ttl == 0 {
		ttl = 5 * time.Minute
	}
	if err != nil {
		return ttl / 10
	}
	return ttl
}

// detect returns the remembered preset of t, or runs detect and keeps
// its answer unless the source failed.
func (m *Memo) detect(t Target, detect func() (string, error)) (string, error) {
	key := t.Namespace + "/" + t.Kind + "/" + t.Name
	m.mu.Lock()
	if p, ok := m.presets[key]; ok && m.now().Sub(p.at) < m.presetTTL(p.err) {
		m.mu.Unlock()
		return p.name, p.err
	}
	m.mu.Unlock()
	v, err, _ := m.flight.Do("preset "+key, func() (any, error) { return detect() })
	name, _ := v.(string)
	if _, down := err.(*sourceError); !down {
		m.mu.Lock()
		if m.presets == nil {
			m.presets = map[string]memoPreset{}
		}
		m.presets[key] = memoPreset{name: name, err: err, at: m.now()}
		m.mu.Unlock()
	}
	return name, err
}

// allAlerts returns the remembered alerts list, or fetches it once for
// every concurrent caller.
func (m *Memo) allAlerts(ctx context.Context, fetch func(context.Context) ([]Alert, error)) ([]Alert, error) {
	ttl := m.AlertsTTL
	if ttl == 0 {
		ttl = 5 * time.Second
	}
	m.mu.Lock()
	if !m.alertsAt.IsZero() && m.now().Sub(m.alertsAt) < ttl {
		a := m.alerts
		m.mu.Unlock()
		return a, nil
	}
	m.mu.Unlock()
	v, err, _ := m.flight.Do("alerts", func() (any, error) { return fetch(ctx) })
	if err != nil {
		return nil, err
	}
	a, _ := v.([]Alert)
	m.mu.Lock()
	m.alerts, m.alertsAt = a, m.now()
	m.mu.Unlock()
	return a, nil
}
