// Package evidence gathers what the decision engine needs about a workload
// from live data: its rollout history and status (through a rollout.Reader,
// so the console reads its informer cache and the CLI the API), its health
// and each revision's health while live (metrics.Health), GitOps ownership,
// autoscaling, the irreversible-migration marker, the application it
// belongs to and, when a detector is given, its canary or blue-green
// traffic. What cannot be read stays unknown, so the engine asks.
package evidence

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// DefaultWindow is the health window a decision looks at: long enough for
// a "for" duration, short enough to be about now.
const DefaultWindow = 15 * time.Minute

// healthCells is the resolution of the health check behind a decision;
// only the latest samples matter.
const healthCells = 30

// maxRevisions bounds the revisions judged while live (two instant queries
// each).
const maxRevisions = 10

// Gatherer reads evidence. Only Reader is required.
type Gatherer struct {
	Reader rollout.Reader
	// Health judges the workload and its revisions; nil leaves health
	// unknown.
	Health *metrics.Health
	// Window is the health window (0: DefaultWindow).
	Window time.Duration
	// App finds the workload's application and what else changed with it;
	// nil leaves the application unchecked.
	App func(ctx context.Context, h *rollout.History, deployedAt time.Time) decide.App
	// Traffic finds a canary or a blue-green pair; nil leaves traffic
	// unchecked.
	Traffic func(ctx context.Context, h *rollout.History) decide.Traffic
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// Gathered is the evidence with the history it was read from (the
// actions plan from the same read).
type Gathered struct {
	Evidence *decide.Evidence
	History  *rollout.History
	Windows  []rollout.LiveWindow
	Panels   []metrics.Panel
}

// Gather reads the evidence for one workload.
func (g *Gatherer) Gather(ctx context.Context, ref rollout.Ref) (*Gathered, error) {
	now := time.Now()
	if g.Now != nil {
		now = g.Now()
	}
	h, err := rollout.GetHistory(ctx, g.Reader, ref)
	if err != nil {
		return nil, err
	}
	ev := &decide.Evidence{Workload: ref, Now: now, CurrentRevision: h.Current}
	for _, r := range h.Revisions {
		ev.Revisions = append(ev.Revisions, r.Number)
		if r.Current {
			for _, img := range r.Images {
				ev.Images = append(ev.Images, img.Image)
			}
		}
	}
	windows := rollout.LiveWindows(h, now)
	for _, w := range windows {
		if w.Current {
			ev.DeployedAt = w.Start
		}
	}
	ev.Rollout = rolloutState(h)
	obj := h.Object
	if tool := rollout.GitOpsManager(obj.GetLabels(), obj.GetAnnotations()); tool != "" {
		ev.GitOps = decide.GitOps{Tool: gitOpsTool(tool), Marker: gitOpsMarker(obj.GetLabels(), obj.GetAnnotations())}
	}
	ev.Migration = decide.ReadMigration(obj.GetAnnotations())
	if hpa, err := g.hpa(ctx, h); err == nil {
		ev.HPA = hpa
	}
	out := &Gathered{Evidence: ev, History: h, Windows: windows}
	if g.Health != nil {
		g.health(ctx, out)
	}
	if g.App != nil {
		ev.App = g.App(ctx, h, ev.DeployedAt)
	}
	if g.Traffic != nil {
		ev.Traffic = g.Traffic(ctx, h)
	}
	return out, ctx.Err()
}

func (g *Gatherer) health(ctx context.Context, out *Gathered) {
	ev, h := out.Evidence, out.History
	window := g.Window
	if window == 0 {
		window = DefaultWindow
	}
	t := Target(h)
	verdict, panels := g.Health.Check(ctx, t, window, healthCells, metrics.GoldenSignals())
	ev.Health, out.Panels = verdict, panels
	if AllFailed(panels) {
		return // Prometheus did not answer: asking per revision is pointless
	}
	recent := out.Windows[max(len(out.Windows)-maxRevisions, 0):]
	preset := DetectedPreset(panels)
	for _, w := range recent {
		ev.RevisionHealth = append(ev.RevisionHealth, g.Health.RevisionHealth(ctx, t, metrics.RevisionWindow{
			Revision: w.Revision, Hash: w.Hash, Start: w.Start, End: w.End, Preset: preset}))
	}
	if lkg, ok := metrics.LastKnownGood(h.Current, ev.RevisionHealth); ok {
		ev.LastKnownGood = lkg
	}
}

// hpa names the autoscaler whose target is the workload.
func (g *Gatherer) hpa(ctx context.Context, h *rollout.History) (string, error) {
	hpas, err := g.Reader.HorizontalPodAutoscalers(ctx, h.Workload.Namespace)
	if err != nil {
		return "", err
	}
	for _, a := range hpas {
		ref := a.Spec.ScaleTargetRef
		if strings.EqualFold(ref.Kind, string(h.Workload.Kind)) && ref.Name == h.Workload.Name {
			return a.Name, nil
		}
	}
	return "", nil
}

// Target names a workload for metric queries, with its revisions'
// pod-template-hashes so per-revision series carry revision numbers.
func Target(h *rollout.History) metrics.Target {
	t := metrics.Target{Namespace: h.Workload.Namespace, Kind: string(h.Workload.Kind), Name: h.Workload.Name,
		Revisions: map[string]int64{}}
	for _, r := range h.Revisions {
		if r.Source.Hash != "" {
			t.Revisions[r.Source.Hash] = r.Number
		}
	}
	return t
}

// rolloutState reads the status and how many pods of earlier revisions
// are still ready (a rollback to them starts no pod).
func rolloutState(h *rollout.History) decide.RolloutState {
	s := decide.RolloutState{Observed: true, Paused: h.Paused,
		Complete: h.Status.Phase == rollout.PhaseComplete, Failed: h.Status.Phase == rollout.PhaseFailed,
		Desired: h.Status.Desired, Updated: h.Status.Updated}
	if s.Failed {
		s.Message = h.Status.Message
	}
	for _, r := range h.Revisions {
		if !r.Current {
			s.OldReady += r.Ready
		}
	}
	return s
}

// DetectedPreset is the preset the panels' queries came from, so revision
// health does not detect it again ("" when none was detected).
func DetectedPreset(ps []metrics.Panel) string {
	for _, p := range ps {
		if p.Query.Preset != "" && p.Query.Preset != metrics.CustomPreset {
			return p.Query.Preset
		}
	}
	return ""
}

// AllFailed reports whether no panel got an answer (Prometheus down or
// refusing us), as opposed to per-query problems.
func AllFailed(ps []metrics.Panel) bool {
	for _, p := range ps {
		if p.Err == nil {
			return false
		}
	}
	return len(ps) > 0
}

func gitOpsTool(name string) string {
	switch name {
	case "Argo CD":
		return decide.GitOpsArgoCD
	case "Flux":
		return decide.GitOpsFlux
	}
	return name
}

// gitOpsMarker is the label or annotation that shows the GitOps owner.
func gitOpsMarker(labels, annotations map[string]string) string {
	for _, m := range []map[string]string{annotations, labels} {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if strings.HasPrefix(k, "argocd.argoproj.io/") || strings.Contains(k, "toolkit.fluxcd.io/") {
				return fmt.Sprintf("%s=%s", k, m[k])
			}
		}
	}
	return ""
}
