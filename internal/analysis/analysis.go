// Package analysis gathers the evidence about an incident's cause, for the
// incident report (report.Analysis), once the rollback is verified or when
// someone asks: what the suspect revision changed against the good one,
// the warning events, container statuses and last log lines of the suspect
// revision's pods, the golden signals before, during and after, what users
// felt (failed requests and the share of traffic), and hints worked out
// from all of it.
//
// Each source (history, pods and events, logs, metrics, impact) fails on
// its own: its error is returned and the others are still gathered.
// Secret values are never read (a secretKeyRef is shown as the reference),
// and every string that could carry one (log lines, event messages, env
// values, the diff) is masked by the Redactor. The strings come from the
// cluster: escape them (internal/textsafe) before showing them on a
// terminal; the report does.
package analysis

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Request names the incident to analyse. Every field but Ref may be zero;
// Gather then works it out (see Gather).
type Request struct {
	// Ref is the workload (Deployment, StatefulSet or DaemonSet).
	Ref rollout.Ref
	// Bad is the suspect revision and Good the one rolled back to, by
	// number as the history shows them now (0: worked out).
	Bad, Good int64
	// Deployed is when Bad went live (zero: the start of its live window).
	Deployed time.Time
	// Detected is the first degraded or critical signal (zero: unknown).
	Detected time.Time
	// Recovered is when the rollback finished (zero: now).
	Recovered time.Time
}

// Default bounds on what is read from the cluster.
const (
	DefaultLogLines = 20       // last lines read per pod
	DefaultLogPods  = 3        // failing pods whose logs are read
	DefaultLogBytes = 64 << 10 // bytes per log request
)

// callTimeout bounds each request to the API server, so one that never
// answers costs that source, not the whole analysis.
const callTimeout = 10 * time.Second

// Gatherer gathers analyses. Its zero bounds mean the defaults; it keeps
// no state between calls and is safe for concurrent use.
type Gatherer struct {
	// Client reads pods, events and logs.
	Client kubernetes.Interface
	// Reader reads the history (nil: kube.APIReader over Client). The
	// console passes its informer cache's reader.
	Reader rollout.Reader
	// Health measures the metric windows and the impact (nil: neither,
	// which the analysis says in a hint; not an error).
	Health *metrics.Health
	// Redactor masks secrets in everything gathered (nil: by pattern).
	Redactor *redact.Redactor
	// Now is the clock (nil: time.Now).
	Now func() time.Time

	// LogLines is the last lines read per pod (0: DefaultLogLines).
	LogLines int
	// LogPods is how many failing pods' logs are read (0: DefaultLogPods).
	LogPods int
	// LogBytes bounds each log request (0: DefaultLogBytes).
	LogBytes int64
}

func (g *Gatherer) now() time.Time {
	if g.Now == nil {
		return time.Now()
	}
	return g.Now()
}

func (g *Gatherer) reader() rollout.Reader {
	if g.Reader != nil {
		return g.Reader
	}
	if g.Client == nil {
		return nil
	}
	return kube.APIReader{Client: g.Client}
}

func (g *Gatherer) logLines() int   { return cmp.Or(g.LogLines, DefaultLogLines) }
func (g *Gatherer) logPods() int    { return cmp.Or(g.LogPods, DefaultLogPods) }
func (g *Gatherer) logBytes() int64 { return cmp.Or(g.LogBytes, DefaultLogBytes) }

// subject is the incident as worked out from the request and the history.
type subject struct {
	ref                                rollout.Ref
	hist                               *rollout.History // nil when the history could not be read
	bad, good                          *rollout.Revision
	deployed, detected, recovered, now time.Time
}

// Gather reads the workload's history, works out the request's missing
// fields, and gathers the evidence: the diff from the history, the pods'
// events, statuses and logs from the API server, and the signals and the
// impact from the metrics source (those two sources run concurrently).
//
// Missing revisions: Good is the current revision when the history shows
// a rollback to it (a renumbered ReplicaSet, a reused ControllerRevision,
// or mayday's rolled-back-at annotation dating the current live window);
// Bad is then the revision mayday's rolled-back-from annotation names, or
// else the newest other revision whose template differs from Good's. When
// the history shows no rollback yet, Bad is the current revision and Good
// the newest older one whose template differs. When only one is given,
// the other is chosen the same way around it.
//
// The analysis is returned with whatever could be gathered, and one error
// per source that failed, saying what failed.
func (g *Gatherer) Gather(ctx context.Context, req Request) (report.Analysis, []error) {
	a := report.Analysis{Redactor: g.Redactor}
	var errs []error
	s := subject{ref: req.Ref, detected: req.Detected, now: g.now()}
	s.recovered = req.Recovered
	if s.recovered.IsZero() {
		s.recovered = s.now
	}
	s.deployed = req.Deployed

	r := g.reader()
	if r == nil {
		errs = append(errs, fmt.Errorf("history of %s: no Kubernetes client to read it with", req.Ref))
	} else if h, err := readHistory(ctx, r, req.Ref); err != nil {
		errs = append(errs, fmt.Errorf("history of %s: %w", req.Ref, err))
	} else {
		s.hist = h
		bad, good, err := pickRevisions(h, req, s.now)
		if err != nil {
			errs = append(errs, fmt.Errorf("revisions of %s to compare: %w", req.Ref, err))
		} else {
			s.bad, s.good = bad, good
			if s.deployed.IsZero() {
				s.deployed = liveStart(h, bad, s.now)
			}
		}
	}
	if s.bad != nil {
		a.BadRevision = describe(req.Ref, s.bad)
		a.GoodRevision = describe(req.Ref, s.good)
	}
	a.Deployed = s.deployed

	var (
		wg      sync.WaitGroup
		pods    podEvidence
		podErrs []error
		met     metricEvidence
		metErrs []error
	)
	if s.bad != nil {
		wg.Go(func() { pods, podErrs = g.gatherPods(ctx, s) })
	}
	wg.Go(func() { met, metErrs = g.gatherMetrics(ctx, s) })
	var diff diffEvidence
	if s.bad != nil {
		diff = diffRevisions(s, g.Redactor)
	}
	wg.Wait()
	errs = append(errs, podErrs...)
	errs = append(errs, metErrs...)

	a.Changes, a.Diff = diff.changes, diff.unified
	a.Events, a.Logs = pods.events, pods.logs
	a.Metrics, a.Impact = met.windows, met.impact
	if pods.oomPods > 0 {
		a.Changes = append(a.Changes, diff.memoryNotes...)
	}
	a.Hints = hints(s, diff, pods, met, g.Health != nil)
	return a, errs
}

func readHistory(ctx context.Context, r rollout.Reader, ref rollout.Ref) (*rollout.History, error) {
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	return rollout.GetHistory(ctx, r, ref)
}
