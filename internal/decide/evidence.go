package decide

import (
	"strconv"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// Evidence is what callers know about a workload when a decision is asked
// for, filled from live data (the informer cache, Prometheus). Every field
// is optional: what is missing is shown as unknown and the question it
// would have answered is put to the engineer instead.
type Evidence struct {
	Workload rollout.Ref `json:"workload"`
	// Now is when the evidence was gathered; ages ("deployed 12m ago") are
	// measured from it, never from the clock.
	Now time.Time `json:"now,omitzero"`

	// CurrentRevision is the live revision number (0: the workload was not
	// read, and nothing read from it counts as known).
	CurrentRevision int64 `json:"currentRevision,omitempty"`
	// Revisions are the revision numbers in the workload's history, the
	// current one included, in any order.
	Revisions []int64 `json:"revisions,omitempty"`
	// Images are the current revision's container images.
	Images []string `json:"images,omitempty"`
	// DeployedAt is when the current revision went live.
	DeployedAt time.Time `json:"deployedAt,omitzero"`

	// Health is the workload's verdict now, its firing alerts included. A
	// zero Verdict is unknown.
	Health metrics.Verdict `json:"health"`
	// RevisionHealth is how revisions did while they were live.
	RevisionHealth []metrics.RevisionHealth `json:"revisionHealth,omitempty"`
	// LastKnownGood is the newest earlier revision that was healthy while
	// live; 0 means it is derived from RevisionHealth
	// (metrics.LastKnownGood).
	LastKnownGood int64 `json:"lastKnownGood,omitempty"`

	Rollout RolloutState `json:"rollout"`
	// GitOps is the controller that manages the workload, if any.
	GitOps GitOps `json:"gitops"`
	// HPA names the HorizontalPodAutoscaler scaling the workload ("" none).
	HPA string `json:"hpa,omitempty"`
	// Migration is the irreversible-migration marker on the workload.
	Migration Migration `json:"migration"`
	Traffic   Traffic   `json:"traffic"`
	App       App       `json:"app"`

	// Answers are the engineer's answers by question id. An answer
	// replaces the evidence's pre-answer, and the replacement is recorded.
	Answers map[string]string `json:"answers,omitempty"`
	// AnsweredBy is who gave Answers, as recorded in the path.
	AnsweredBy string `json:"answeredBy,omitempty"`
}

// RolloutState is the workload's rollout status.
type RolloutState struct {
	// Observed is set when the status was read; the other fields mean
	// nothing without it.
	Observed bool `json:"observed"`
	Paused   bool `json:"paused,omitempty"`
	// Complete: every pod is on the current revision and available.
	Complete bool `json:"complete,omitempty"`
	// Failed: the progress deadline was exceeded.
	Failed bool `json:"failed,omitempty"`
	// Message is the Progressing condition's message, shown with Failed.
	Message string `json:"message,omitempty"`
	// Desired is the wanted replica count; Updated the pods already on
	// the current revision.
	Desired int32 `json:"desired,omitempty"`
	Updated int32 `json:"updated,omitempty"`
	// OldReady are ready pods of earlier revisions (a Deployment's old
	// ReplicaSets): a rollback to them needs no pod to start.
	OldReady int32 `json:"oldReady,omitempty"`
	// PodsPerMinute is how fast pods became ready in the latest rollout
	// (0: not observed).
	PodsPerMinute float64 `json:"podsPerMinute,omitempty"`
}

// The GitOps tools mayday recognises.
const (
	GitOpsArgoCD = "argocd"
	GitOpsFlux   = "flux"
)

// GitOps is the controller that would revert a manual change.
type GitOps struct {
	// Tool is GitOpsArgoCD, GitOpsFlux, another tool's name, or "" for
	// none.
	Tool string `json:"tool,omitempty"`
	// Marker is the label or annotation that gave it away
	// ("argocd.argoproj.io/instance=shop").
	Marker string `json:"marker,omitempty"`
}

// Name is the tool's name for people ("Argo CD"); "" for none.
func (g GitOps) Name() string {
	switch strings.ToLower(g.Tool) {
	case "":
		return ""
	case GitOpsArgoCD, "argo cd", "argo-cd":
		return "Argo CD"
	case GitOpsFlux:
		return "Flux"
	}
	return g.Tool
}

// MigrationAnnotation marks the revision that ran an irreversible database
// migration: revisions before it cannot be rolled back to.
const MigrationAnnotation = "mayday.dev/irreversible-migration-revision"

// Migration is the irreversible-migration marker.
type Migration struct {
	// Revision: revisions before it predate the migration; 0 for none.
	Revision int64 `json:"revision,omitempty"`
	// Invalid holds the annotation's value when it is not a revision
	// number (the marker then counts as unknown).
	Invalid string `json:"invalid,omitempty"`
}

// ReadMigration reads MigrationAnnotation from a workload's annotations.
func ReadMigration(annotations map[string]string) Migration {
	v, ok := annotations[MigrationAnnotation]
	if !ok {
		return Migration{}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 1 {
		return Migration{Invalid: v}
	}
	return Migration{Revision: n}
}

// Traffic is how requests reach the workload: a canary or a blue-green
// pair, if any.
type Traffic struct {
	// Checked is set when the caller looked for a canary and a blue-green
	// pair; without it neither counts as absent.
	Checked bool `json:"checked"`
	// Err says why looking failed (the traffic question is then asked).
	Err       string     `json:"error,omitempty"`
	Canary    *Canary    `json:"canary,omitempty"`
	BlueGreen *BlueGreen `json:"blueGreen,omitempty"`
}

// Canary is a canary taking part of the traffic.
type Canary struct {
	// Name is the canary (a Deployment, a route backend or a Rollout).
	Name string `json:"name"`
	// Stable is what takes the rest of the traffic.
	Stable string `json:"stable"`
	// Mechanism is how traffic is split: deployment-pair, httproute,
	// istio or argo-rollouts.
	Mechanism string `json:"mechanism"`
	// Share is the canary's share of the traffic, 0..1, when ShareKnown.
	Share      float64 `json:"share"`
	ShareKnown bool    `json:"shareKnown"`
	// Basis says where Share comes from ("HTTPRoute shop/checkout
	// weights 90/10").
	Basis string `json:"basis,omitempty"`
}

// BlueGreen is a Service switching between two sides.
type BlueGreen struct {
	Service string `json:"service"`
	// Live is the side the Service selects; Idle the other one.
	Live string `json:"live"`
	Idle string `json:"idle"`
	// IdleReady of IdleDesired pods of the idle side are ready.
	IdleReady   int32 `json:"idleReady"`
	IdleDesired int32 `json:"idleDesired"`
}

// App is the application the workload belongs to.
type App struct {
	// Checked is set when the caller looked for the other parts.
	Checked bool `json:"checked"`
	// Label is the grouping label ("app.kubernetes.io/part-of=shop"); ""
	// when the workload has none.
	Label string `json:"label,omitempty"`
	// Name is the application's name ("shop").
	Name string `json:"name,omitempty"`
	// Changed are the other parts that changed in the same deploy
	// ("deployment/payments").
	Changed []string `json:"changed,omitempty"`
}
