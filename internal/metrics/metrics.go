// Package metrics answers "does it hurt, and since when?": the golden
// signals of a workload (error ratio, latency, request rate, saturation)
// from a metric Source (a real Prometheus through client_golang's v1 API,
// or the demo's synthetic metrics), turned into evidence-backed verdicts.
//
// The flow is: a Preset's query templates are rendered for a Target into
// Queries; a Source answers each Query over a Range with Series; Evaluate
// turns the latest samples into a Verdict whose every SignalResult carries
// the query, the value, the threshold and the age of the sample. Missing
// data, NaN, errors and an unreachable Prometheus give Unknown with the
// reason, never Healthy.
package metrics

import (
	"context"
	"time"
)

// Signal names one golden signal.
type Signal string

// The signals mayday knows. Every threshold is "higher is worse".
const (
	ErrorRatio    Signal = "error_ratio"    // share of requests failing, 0..1
	LatencyP99    Signal = "latency_p99"    // seconds
	LatencyP50    Signal = "latency_p50"    // seconds
	RequestRate   Signal = "request_rate"   // requests per second (no threshold by default)
	CPUThrottling Signal = "cpu_throttling" // share of CPU periods throttled, 0..1
	Memory        Signal = "memory"         // working-set bytes, highest pod
	Restarts      Signal = "restarts"       // container restarts in the rate window
)

// Signals lists every signal in display order.
func Signals() []Signal {
	return []Signal{ErrorRatio, LatencyP99, LatencyP50, RequestRate, CPUThrottling, Memory, Restarts}
}

// The request counts of a window, for an incident's impact. They are not
// panels, so not among Signals(): CountQueries renders them with
// increase() over the whole window, and one instant query at the window's
// end answers them as Prometheus would answer a person asking.
const (
	FailedRequests Signal = "failed_requests" // requests that failed in the window
	Requests       Signal = "requests"        // all requests in the window
)

// GoldenSignals are the panels the health screen shows first.
func GoldenSignals() []Signal { return []Signal{ErrorRatio, LatencyP99, RequestRate} }

// State is a verdict, from best to worst; Unknown is not "better" than
// anything: it is shown as unknown with its reason.
type State int

// The states.
const (
	Unknown State = iota
	Healthy
	Degraded
	Critical
)

// String is the state's word.
func (s State) String() string {
	switch s {
	case Healthy:
		return "healthy"
	case Degraded:
		return "degraded"
	case Critical:
		return "critical"
	default:
		return "unknown"
	}
}

// Glyph pairs the state with a symbol, so it never depends on colour.
func (s State) Glyph() string {
	switch s {
	case Healthy:
		return "✓"
	case Degraded:
		return "!"
	case Critical:
		return "✗"
	default:
		return "?"
	}
}

// MarshalText writes the state's word (JSON output).
func (s State) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Target is the workload whose signals are queried.
type Target struct {
	Namespace string
	// Kind is Deployment, StatefulSet or DaemonSet.
	Kind string
	Name string
	// Revisions maps a revision label value (a Deployment's
	// pod-template-hash, as found in its pod names) to the revision
	// number, so per-revision series can be named "rev 6".
	Revisions map[string]int64
}

// Query is one rendered PromQL query for a signal of a target.
type Query struct {
	Signal Signal
	// Preset is the preset the query came from ("promhttp", "istio", ...;
	// "custom" for a per-workload override).
	Preset string
	// Expr is the PromQL sent (shown as evidence).
	Expr string
	// PerRevision is set when Expr also returns one series per revision.
	PerRevision bool
	// Rate is the rate() range the query was rendered with.
	Rate   time.Duration
	Target Target
}

// Range is a query_range's span. A Range with Start == End is an instant
// evaluation at End.
type Range struct {
	Start, End time.Time
	Step       time.Duration
}

// Point is one sample.
type Point struct {
	T time.Time
	V float64
}

// Series is one line of a panel.
type Series struct {
	// Revision is the revision label value (pod-template-hash) the series
	// belongs to; "" is the whole workload.
	Revision string
	Points   []Point
}

// Alert is a Prometheus alert (/api/v1/alerts).
type Alert struct {
	Name        string            `json:"name"`
	State       string            `json:"state"` // firing or pending
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations,omitempty"`
	ActiveAt    time.Time         `json:"activeAt"`
	Value       string            `json:"value,omitempty"`
}

// Source answers queries. Implementations must honour ctx (a per-query
// timeout is set by the caller) and be safe for concurrent use.
type Source interface {
	// QueryRange evaluates q over r. An answer with no series is not an
	// error (it is "no data", which the verdict reports as unknown).
	QueryRange(ctx context.Context, q Query, r Range) ([]Series, error)
	// Alerts lists the alerts Prometheus currently has.
	Alerts(ctx context.Context) ([]Alert, error)
	// Name says where the data comes from, for the screen and the
	// evidence ("prometheus http://127.0.0.1:9090", "demo (synthetic)").
	Name() string
}

// Threshold is when a signal counts as degraded or critical: the value is
// above the level for at least For. A zero level is not checked.
type Threshold struct {
	Degraded float64       `json:"degraded,omitempty"`
	Critical float64       `json:"critical,omitempty"`
	For      time.Duration `json:"for,omitempty"`
}

// SignalResult is one signal's evidence.
type SignalResult struct {
	Signal    Signal    `json:"signal"`
	Query     string    `json:"query"`
	Preset    string    `json:"preset,omitempty"`
	Value     float64   `json:"value"`
	HasValue  bool      `json:"hasValue"`
	SampledAt time.Time `json:"sampledAt,omitzero"`
	Threshold Threshold `json:"threshold"`
	State     State     `json:"state"`
	// Reason explains an unknown state ("no data", "prometheus unreachable:
	// ...", "value is NaN") or a breach ("above 5% for 2m").
	Reason string `json:"reason,omitempty"`
}

// Verdict is a workload's health with its evidence.
type Verdict struct {
	State   State          `json:"state"`
	Reason  string         `json:"reason"`
	Signals []SignalResult `json:"signals"`
	// Alerts are the firing alerts that match the workload.
	Alerts []Alert   `json:"alerts,omitempty"`
	At     time.Time `json:"at"`
	Source string    `json:"source"`
}

// Unit is how a signal's values read.
type Unit int

// The units.
const (
	UnitRatio   Unit = iota // 0..1, shown as a percentage
	UnitSeconds             // shown in ms or s
	UnitPerSecond
	UnitBytes
	UnitCount
)

// UnitOf is the signal's unit.
func UnitOf(s Signal) Unit {
	switch s {
	case ErrorRatio, CPUThrottling:
		return UnitRatio
	case LatencyP99, LatencyP50:
		return UnitSeconds
	case RequestRate:
		return UnitPerSecond
	case Memory:
		return UnitBytes
	default:
		return UnitCount
	}
}
