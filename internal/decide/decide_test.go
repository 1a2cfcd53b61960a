package decide

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

var now = time.Date(2026, 11, 25, 14, 7, 0, 0, time.UTC)

func revHealth(rev int64, s metrics.State, reason string) metrics.RevisionHealth {
	return metrics.RevisionHealth{
		RevisionWindow: metrics.RevisionWindow{Revision: rev},
		Verdict:        metrics.Verdict{State: s, Reason: reason, Source: "prometheus http://127.0.0.1:9090"},
	}
}

// incident is checkout after a bad deploy: revision 6 is critical, 5 was
// healthy, nothing stands in the way of a rollback.
func incident() *Evidence {
	return &Evidence{
		Workload:        rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"},
		Now:             now,
		CurrentRevision: 6,
		Revisions:       []int64{3, 4, 5, 6},
		Images:          []string{"registry.example/checkout:2.1.0"},
		DeployedAt:      now.Add(-12 * time.Minute),
		Health: metrics.Verdict{
			State:  metrics.Critical,
			Reason: "error ratio 12% > 5% (critical)",
			Source: "prometheus http://127.0.0.1:9090",
			Signals: []metrics.SignalResult{{
				Signal: metrics.ErrorRatio, Value: 0.12, HasValue: true, State: metrics.Critical,
				Threshold: metrics.Threshold{Degraded: 0.01, Critical: 0.05},
			}},
		},
		RevisionHealth: []metrics.RevisionHealth{
			revHealth(4, metrics.Healthy, "healthy: error ratio 0.2%"),
			revHealth(5, metrics.Healthy, "healthy: error ratio 0.1%"),
			revHealth(6, metrics.Critical, "error ratio 12% > 5% (critical)"),
		},
		Rollout: RolloutState{Observed: true, Complete: true, Desired: 4, Updated: 4, PodsPerMinute: 2},
		Traffic: Traffic{Checked: true},
		App:     App{Checked: true, Label: "app.kubernetes.io/part-of=shop", Name: "shop"},
	}
}

func path(rec Recommendation) []string {
	out := make([]string, 0, len(rec.Path))
	for _, s := range rec.Path {
		out = append(out, s.Node+"="+s.Answer)
	}
	return out
}

func p(s string) []string { return strings.Fields(s) }

// TestDefaultPolicyBranches walks every edge of the default policy.
func TestDefaultPolicyBranches(t *testing.T) {
	critical := p("issue=yes traffic=rolling paused=no earlier-revision=yes migration=no gitops=no target-healthy=yes severity=critical")
	blockedBase := p("issue=yes traffic=rolling paused=no")
	for _, tc := range []struct {
		name    string
		change  func(ev *Evidence)
		answers map[string]string
		outcome string
		action  Action
		target  string // Target.Text
		path    []string
		missing string
	}{
		{
			name: "healthy: keep watching",
			change: func(ev *Evidence) {
				ev.Health = metrics.Verdict{State: metrics.Healthy, Reason: "healthy: error ratio 0.1%"}
			},
			outcome: "keep-watching", action: NoAction,
			path: p("issue=no"),
		},
		{
			name:    "health unknown: the engineer must say whether something is wrong",
			change:  func(ev *Evidence) { ev.Health = metrics.Verdict{Reason: "error ratio unknown: no data"} },
			missing: "issue", path: []string{},
		},
		{
			name: "rollout failed without health data: an issue",
			change: func(ev *Evidence) {
				ev.Health = metrics.Verdict{}
				ev.Rollout.Failed, ev.Rollout.Complete = true, false
			},
			// Severity cannot be told without health: asked.
			missing: "severity", path: p("issue=yes traffic=rolling paused=no earlier-revision=yes migration=no gitops=no target-healthy=yes"),
		},
		{
			name: "firing alert on unknown health: an issue",
			change: func(ev *Evidence) {
				ev.Health = metrics.Verdict{Alerts: []metrics.Alert{{Name: "CheckoutErrors", State: "firing", Labels: map[string]string{"severity": "page"}}}}
			},
			missing: "severity", path: critical[:len(critical)-1],
		},
		{
			name: "canary taking traffic: shift it back",
			change: func(ev *Evidence) {
				ev.Traffic.Canary = &Canary{Name: "checkout-canary", Stable: "checkout", Mechanism: "httproute", Share: 0.1, ShareKnown: true}
			},
			outcome: "canary-rollback", action: CanaryRollback, target: "checkout",
			path: p("issue=yes traffic=canary canary-share=yes"),
		},
		{
			name: "canary without traffic: the usual questions",
			change: func(ev *Evidence) {
				ev.Traffic.Canary = &Canary{Name: "checkout-canary", Stable: "checkout", Share: 0, ShareKnown: true}
			},
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(p("issue=yes traffic=canary canary-share=no"), append(critical[2:], "app-wide=no")...),
		},
		{
			name: "canary share unknown: asked",
			change: func(ev *Evidence) {
				ev.Traffic.Canary = &Canary{Name: "checkout-canary", Stable: "checkout"}
			},
			missing: "canary-share", path: p("issue=yes traffic=canary"),
		},
		{
			name: "blue-green with the old side ready: switch back",
			change: func(ev *Evidence) {
				ev.Traffic.BlueGreen = &BlueGreen{Service: "checkout", Live: "green", Idle: "blue", IdleReady: 4, IdleDesired: 4}
			},
			outcome: "blue-green-switch", action: BlueGreenSwitch, target: "blue",
			path: p("issue=yes traffic=blue-green old-side-ready=yes"),
		},
		{
			name: "blue-green with the old side scaled down: the usual questions",
			change: func(ev *Evidence) {
				ev.Traffic.BlueGreen = &BlueGreen{Service: "checkout", Live: "green", Idle: "blue", IdleReady: 1, IdleDesired: 4}
			},
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(p("issue=yes traffic=blue-green old-side-ready=no"), append(critical[2:], "app-wide=no")...),
		},
		{
			name:    "traffic not examined: asked",
			change:  func(ev *Evidence) { ev.Traffic = Traffic{} },
			missing: "traffic", path: p("issue=yes"),
		},
		{
			name:    "traffic detection failed: asked",
			change:  func(ev *Evidence) { ev.Traffic = Traffic{Checked: true, Err: "httproutes is forbidden"} },
			missing: "traffic", path: p("issue=yes"),
		},
		{
			name: "paused part-way, the new pods failing: roll back",
			change: func(ev *Evidence) {
				ev.Rollout = RolloutState{Observed: true, Paused: true, Desired: 4, Updated: 1, OldReady: 3, PodsPerMinute: 2}
			},
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(p("issue=yes traffic=rolling paused=yes new-revision-at-fault=yes"), append(critical[3:], "app-wide=no")...),
		},
		{
			name: "paused part-way, the new pods healthy: resume",
			change: func(ev *Evidence) {
				ev.Rollout = RolloutState{Observed: true, Paused: true, Desired: 4, Updated: 1, OldReady: 3, PodsPerMinute: 2}
				ev.RevisionHealth[2] = revHealth(6, metrics.Healthy, "healthy: error ratio 0.1%")
			},
			outcome: "resume", action: Resume, target: "revision 6",
			path: p("issue=yes traffic=rolling paused=yes new-revision-at-fault=no"),
		},
		{
			name: "paused part-way, the new pods not judged: asked",
			change: func(ev *Evidence) {
				ev.Rollout = RolloutState{Observed: true, Paused: true, Desired: 4, Updated: 1}
				ev.RevisionHealth = ev.RevisionHealth[:2]
			},
			missing: "new-revision-at-fault", path: p("issue=yes traffic=rolling paused=yes"),
		},
		{
			name:    "rollout status not read: asked",
			change:  func(ev *Evidence) { ev.Rollout = RolloutState{} },
			missing: "paused", path: p("issue=yes traffic=rolling"),
		},
		{
			name:    "critical, nothing in the way: roll back to the last known good revision",
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(critical, "app-wide=no"),
		},
		{
			name:    "critical, last known good older than the previous revision",
			change:  func(ev *Evidence) { ev.RevisionHealth[1] = revHealth(5, metrics.Critical, "error ratio 9%") },
			outcome: "rollback", action: Rollback, target: "revision 4",
			path: append(critical, "app-wide=no"),
		},
		{
			name: "critical, other parts changed too: the engineer picks the scope",
			change: func(ev *Evidence) {
				ev.App.Changed = []string{"deployment/payments"}
			},
			missing: "app-scope", path: append(critical, "app-wide=yes"),
		},
		{
			name:    "whole application",
			change:  func(ev *Evidence) { ev.App.Changed = []string{"deployment/payments"} },
			answers: map[string]string{"app-scope": "all"},
			outcome: "rollback-app", action: RollbackApp, target: "the revisions live at 2026-11-25T13:54:59Z",
			path: append(critical, "app-wide=yes", "app-scope=all"),
		},
		{
			name:    "some parts",
			change:  func(ev *Evidence) { ev.App.Changed = []string{"deployment/payments"} },
			answers: map[string]string{"app-scope": "some"},
			outcome: "partial-rollback", action: PartialRollback, target: "the revisions live at 2026-11-25T13:54:59Z",
			path: append(critical, "app-wide=yes", "app-scope=some"),
		},
		{
			name:    "only this workload",
			change:  func(ev *Evidence) { ev.App.Changed = []string{"deployment/payments"} },
			answers: map[string]string{"app-scope": "this"},
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(critical, "app-wide=yes", "app-scope=this"),
		},
		{
			name:    "application not examined: asked",
			change:  func(ev *Evidence) { ev.App = App{} },
			missing: "app-wide", path: critical,
		},
		{
			name:    "minor: is a quick fix ready?",
			change:  degraded,
			missing: "quick-fix", path: minorPath(),
		},
		{
			name:    "minor, no quick fix: roll back",
			change:  degraded,
			answers: map[string]string{"quick-fix": "no"},
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(minorPath(), "quick-fix=no", "app-wide=no"),
		},
		{
			name:    "minor, a complex fix: roll back",
			change:  degraded,
			answers: map[string]string{"quick-fix": "yes", "fix-complex": "yes"},
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(minorPath(), "quick-fix=yes", "fix-complex=yes", "app-wide=no"),
		},
		{
			name:    "minor, a simple fix without its image: asked",
			change:  degraded,
			answers: map[string]string{"quick-fix": "yes", "fix-complex": "no"},
			missing: "fix-image", path: append(minorPath(), "quick-fix=yes", "fix-complex=no"),
		},
		{
			name:    "minor, a simple fix: roll forward",
			change:  degraded,
			answers: map[string]string{"quick-fix": "yes", "fix-complex": "no", "fix-image": "registry.example/checkout:2.1.1"},
			outcome: "rollforward", action: Rollforward, target: "registry.example/checkout:2.1.1",
			path: append(minorPath(), "quick-fix=yes", "fix-complex=no", "fix-image=registry.example/checkout:2.1.1"),
		},
		{
			name:    "no earlier revision: is a fix ready?",
			change:  func(ev *Evidence) { ev.Revisions = []int64{6} },
			missing: "forward-fix", path: append(blockedBase, "earlier-revision=no"),
		},
		{
			name:    "no earlier revision, a fix: roll forward",
			change:  func(ev *Evidence) { ev.Revisions = []int64{6} },
			answers: map[string]string{"forward-fix": "yes", "fix-image": "registry.example/checkout@sha256:0123456789abcdef0123456789abcdef"},
			outcome: "rollforward", action: Rollforward, target: "registry.example/checkout@sha256:0123456789abcdef0123456789abcdef",
			path: append(blockedBase, "earlier-revision=no", "forward-fix=yes", "fix-image=registry.example/checkout@sha256:0123456789abcdef0123456789abcdef"),
		},
		{
			name: "no earlier revision, no fix, still rolling out: pause",
			change: func(ev *Evidence) {
				ev.Revisions = []int64{6}
				ev.Rollout = RolloutState{Observed: true, Desired: 4, Updated: 2}
			},
			answers: map[string]string{"forward-fix": "no"},
			outcome: "pause", action: Pause, target: "revision 6",
			path: append(blockedBase, "earlier-revision=no", "forward-fix=no", "progressing=yes"),
		},
		{
			name:    "no earlier revision, no fix, rollout done: investigate",
			change:  func(ev *Evidence) { ev.Revisions = []int64{6} },
			answers: map[string]string{"forward-fix": "no"},
			outcome: "investigate", action: Investigate, target: "revision 6",
			path: append(blockedBase, "earlier-revision=no", "forward-fix=no", "progressing=no"),
		},
		{
			name:    "irreversible migration at the current revision: fix forward",
			change:  func(ev *Evidence) { ev.Migration = Migration{Revision: 6} },
			answers: map[string]string{"forward-fix": "no"},
			outcome: "investigate", action: Investigate,
			target: "revision 6",
			path:   append(blockedBase, "earlier-revision=yes", "migration=yes", "forward-fix=no", "progressing=no"),
		},
		{
			name:    "migration older than the target: no obstacle",
			change:  func(ev *Evidence) { ev.Migration = Migration{Revision: 5} },
			outcome: "rollback", action: Rollback, target: "revision 5",
			path: append(critical, "app-wide=no"),
		},
		{
			name:    "migration marker unreadable: asked",
			change:  func(ev *Evidence) { ev.Migration = Migration{Invalid: "five"} },
			missing: "migration", path: append(blockedBase, "earlier-revision=yes"),
		},
		{
			name:    "GitOps reverts a rollback: fix forward",
			change:  func(ev *Evidence) { ev.GitOps = GitOps{Tool: GitOpsArgoCD, Marker: "argocd.argoproj.io/instance=shop"} },
			answers: map[string]string{"forward-fix": "yes", "fix-image": "registry.example/checkout:2.1.1"},
			outcome: "rollforward", action: Rollforward, target: "registry.example/checkout:2.1.1",
			path: append(blockedBase, "earlier-revision=yes", "migration=no", "gitops=yes", "forward-fix=yes", "fix-image=registry.example/checkout:2.1.1"),
		},
		{
			name: "previous revision unhealthy too, none known good: fix forward",
			change: func(ev *Evidence) {
				ev.RevisionHealth = []metrics.RevisionHealth{revHealth(5, metrics.Critical, "error ratio 9% > 5% (critical)")}
			},
			answers: map[string]string{"forward-fix": "no"},
			outcome: "investigate", action: Investigate, target: "revision 6",
			path: append(blockedBase, "earlier-revision=yes", "migration=no", "gitops=no", "target-healthy=no", "forward-fix=no", "progressing=no"),
		},
		{
			name:    "previous revision not judged: asked",
			change:  func(ev *Evidence) { ev.RevisionHealth = nil },
			missing: "target-healthy", path: append(blockedBase, "earlier-revision=yes", "migration=no", "gitops=no"),
		},
		{
			name:    "history not read: asked",
			change:  func(ev *Evidence) { ev.CurrentRevision = 0 },
			missing: "earlier-revision", path: blockedBase,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := incident()
			if tc.change != nil {
				tc.change(ev)
			}
			ev.Answers = tc.answers
			rec, err := Default().Decide(ev)
			if err != nil {
				t.Fatal(err)
			}
			if got := path(rec); !slices.Equal(got, tc.path) {
				t.Errorf("path\n got %q\nwant %q", got, tc.path)
			}
			if tc.missing != "" {
				if rec.Decided || len(rec.Missing) != 1 || rec.Missing[0].ID != tc.missing || rec.Action != "" {
					t.Fatalf("want missing %s, got decided=%v action=%q missing=%+v", tc.missing, rec.Decided, rec.Action, rec.Missing)
				}
				if rec.Missing[0].Why == "" || rec.Missing[0].Text == "" {
					t.Errorf("missing question without text or why: %+v", rec.Missing[0])
				}
				return
			}
			if !rec.Decided || rec.Outcome != tc.outcome || rec.Action != tc.action || len(rec.Missing) != 0 {
				t.Fatalf("got decided=%v outcome=%q action=%q missing=%+v, want %s/%s", rec.Decided, rec.Outcome, rec.Action, rec.Missing, tc.outcome, tc.action)
			}
			if rec.Target.Text != tc.target {
				t.Errorf("target = %+v, want %q", rec.Target, tc.target)
			}
			if len(rec.Reasons) == 0 || len(rec.Risks) == 0 {
				t.Errorf("no reasons or risks: %q %q", rec.Reasons, rec.Risks)
			}
			if rec.ExpectedRecovery.Text == "" || rec.ExpectedRecovery.Basis == "" {
				t.Errorf("no expected recovery: %+v", rec.ExpectedRecovery)
			}
			for _, s := range rec.Path {
				if s.Source == "" {
					t.Errorf("step %s has no source", s.Node)
				}
			}
		})
	}
}

func degraded(ev *Evidence) {
	ev.Health = metrics.Verdict{State: metrics.Degraded, Reason: "p99 latency 900ms > 500ms (degraded)", Source: "prometheus http://127.0.0.1:9090"}
}

func minorPath() []string {
	return p("issue=yes traffic=rolling paused=no earlier-revision=yes migration=no gitops=no target-healthy=yes severity=minor")
}

// TestDefaultPolicyEveryEdgeTaken checks that the branch table above
// crosses every edge of the default policy.
func TestDefaultPolicyEveryEdgeTaken(t *testing.T) {
	taken := map[string]bool{}
	// Re-run the table's evidence through Decide, collecting edges.
	for _, ev := range branchEvidence() {
		rec, err := Default().Decide(ev)
		if err != nil {
			t.Fatal(err)
		}
		for i, s := range rec.Path {
			next := rec.Outcome
			if i+1 < len(rec.Path) {
				next = rec.Path[i+1].Node
			} else if !rec.Decided {
				next = rec.Missing[0].ID
			}
			taken[s.Node+"→"+next] = true
		}
	}
	pol := Default()
	for _, id := range pol.order {
		q := pol.nodes[id].q
		if q == nil {
			continue
		}
		for _, e := range q.edges {
			if !taken[id+"→"+e.to] {
				t.Errorf("edge %s --%s--> %s is not tested", id, e.answer, e.to)
			}
		}
	}
}

// branchEvidence is one evidence per path through the default policy.
func branchEvidence() []*Evidence {
	var out []*Evidence
	add := func(change func(*Evidence), answers map[string]string) {
		ev := incident()
		if change != nil {
			change(ev)
		}
		ev.Answers = answers
		out = append(out, ev)
	}
	add(func(ev *Evidence) { ev.Health = metrics.Verdict{State: metrics.Healthy} }, nil)
	add(func(ev *Evidence) {
		ev.Traffic.Canary = &Canary{Name: "c", Stable: "s", Share: 0.1, ShareKnown: true}
	}, nil)
	add(func(ev *Evidence) { ev.Traffic.Canary = &Canary{Name: "c", Stable: "s", ShareKnown: true} }, nil)
	add(func(ev *Evidence) {
		ev.Traffic.BlueGreen = &BlueGreen{Service: "s", Live: "green", Idle: "blue", IdleReady: 2, IdleDesired: 2}
	}, nil)
	add(func(ev *Evidence) {
		ev.Traffic.BlueGreen = &BlueGreen{Service: "s", Live: "green", Idle: "blue", IdleDesired: 2}
	}, nil)
	add(func(ev *Evidence) { ev.Rollout = RolloutState{Observed: true, Paused: true, Desired: 4, Updated: 1} }, nil)
	add(func(ev *Evidence) {
		ev.Rollout = RolloutState{Observed: true, Paused: true, Desired: 4, Updated: 1}
		ev.RevisionHealth[2] = revHealth(6, metrics.Healthy, "")
	}, nil)
	add(func(ev *Evidence) { ev.Revisions = []int64{6} }, map[string]string{"forward-fix": "yes", "fix-image": "r/c:1"})
	add(func(ev *Evidence) {
		ev.Revisions = []int64{6}
		ev.Rollout.Complete = false
	}, map[string]string{"forward-fix": "no"})
	add(func(ev *Evidence) { ev.Migration.Revision = 6 }, map[string]string{"forward-fix": "no"})
	add(func(ev *Evidence) { ev.GitOps.Tool = GitOpsFlux }, map[string]string{"forward-fix": "no"})
	add(func(ev *Evidence) { ev.RevisionHealth = []metrics.RevisionHealth{revHealth(5, metrics.Critical, "")} }, map[string]string{"forward-fix": "no"})
	add(nil, nil)
	add(func(ev *Evidence) { ev.App.Changed = []string{"deployment/payments"} }, map[string]string{"app-scope": "all"})
	add(func(ev *Evidence) { ev.App.Changed = []string{"deployment/payments"} }, map[string]string{"app-scope": "some"})
	add(func(ev *Evidence) { ev.App.Changed = []string{"deployment/payments"} }, map[string]string{"app-scope": "this"})
	add(degraded, map[string]string{"quick-fix": "no"})
	add(degraded, map[string]string{"quick-fix": "yes", "fix-complex": "yes"})
	add(degraded, map[string]string{"quick-fix": "yes", "fix-complex": "no", "fix-image": "r/c:1"})
	return out
}

func TestRollbackRecommendation(t *testing.T) {
	rec, err := Default().Decide(incident())
	if err != nil {
		t.Fatal(err)
	}
	wantTarget := Target{Kind: TargetRevision, Revision: 5, Text: "revision 5", Basis: "last known good: ✓ healthy: error ratio 0.1% while live"}
	if rec.Target != wantTarget {
		t.Errorf("target = %+v\nwant %+v", rec.Target, wantTarget)
	}
	wantReasons := []string{
		"Roll deployment/checkout back to revision 5: the fastest way back to a state known to work.",
		"The issue is critical: restore service first, fix later.",
		"Health now: ✗ critical: error ratio 12% > 5% (critical).",
	}
	if !slices.Equal(rec.Reasons, wantReasons) {
		t.Errorf("reasons\n got %q\nwant %q", rec.Reasons, wantReasons)
	}
	wantRisks := []string{
		"Revision 6 went live 12m ago: anything that came to depend on it since goes back too.",
	}
	if !slices.Equal(rec.Risks, wantRisks) {
		t.Errorf("risks\n got %q\nwant %q", rec.Risks, wantRisks)
	}
	wantRecovery := Recovery{Known: true, Seconds: 120, Text: "~2m", Basis: "4 pods to start at the observed rollout speed (2 pods/min)"}
	if rec.ExpectedRecovery != wantRecovery {
		t.Errorf("recovery = %+v\nwant %+v", rec.ExpectedRecovery, wantRecovery)
	}
	wantSources := map[string]string{
		"issue":            "health: ✗ critical: error ratio 12% > 5% (critical) (prometheus http://127.0.0.1:9090)",
		"traffic":          "traffic: no canary and no blue-green pair found",
		"paused":           "rollout: not paused",
		"earlier-revision": "history: revisions 5, 4, 3 before current 6",
		"migration":        "workload: no mayday.dev/irreversible-migration-revision annotation",
		"gitops":           "workload: no Argo CD or Flux markers",
		"target-healthy":   "history: revision 5 ✓ healthy: error ratio 0.1% while live (last known good)",
		"severity":         "health: ✗ critical: error ratio 12% > 5% (critical) (prometheus http://127.0.0.1:9090)",
		"app-wide":         "app: no other part of app.kubernetes.io/part-of=shop changed in the same deploy",
	}
	for _, s := range rec.Path {
		if want, ok := wantSources[s.Node]; ok && s.Source != want {
			t.Errorf("%s source\n got %q\nwant %q", s.Node, s.Source, want)
		}
		if s.Engineer != "" || s.Overridden {
			t.Errorf("%s: evidence answer marked as the engineer's: %+v", s.Node, s)
		}
	}
}

func TestRollbackRisksFromEvidence(t *testing.T) {
	ev := incident()
	ev.HPA = "checkout"
	ev.Migration = Migration{Revision: 3}
	ev.Rollout = RolloutState{Observed: true, Paused: true, Desired: 4, Updated: 1, OldReady: 4}
	ev.GitOps = GitOps{Tool: GitOpsFlux}
	// The engineer knows the Flux sync is suspended.
	ev.Answers = map[string]string{"gitops": "no"}
	rec, err := Default().Decide(ev)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Action != Rollback {
		t.Fatalf("action = %s (path %q)", rec.Action, path(rec))
	}
	for _, want := range []string{
		"Flux manages deployment/checkout: it reverts a manual rollback on its next sync; roll back in Git too, or suspend the sync.",
		"An HPA (checkout) scales deployment/checkout: the rollback keeps the current replica count.",
		"The rollout is paused (1 of 4 pods updated): a paused Deployment must be resumed for the rollback to take effect.",
		"Revisions before 3 predate an irreversible database migration: check that revision 5 still works with the database.",
	} {
		if !slices.Contains(rec.Risks, want) {
			t.Errorf("risk missing: %q\nrisks: %q", want, rec.Risks)
		}
	}
	want := Recovery{Known: true, Seconds: 60, Text: "~1m", Basis: "the old ReplicaSet still has 4 ready pods"}
	if rec.ExpectedRecovery != want {
		t.Errorf("recovery = %+v, want %+v", rec.ExpectedRecovery, want)
	}
}

func TestOverridesAreRecorded(t *testing.T) {
	ev := incident()
	ev.Health = metrics.Verdict{State: metrics.Healthy, Reason: "healthy: error ratio 0.1%", Source: "demo (synthetic)"}
	ev.AnsweredBy = "alice"
	ev.Answers = map[string]string{"issue": "Y", "severity": "critical", "traffic": "rolling"}
	rec, err := Default().Decide(ev)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Action != Rollback {
		t.Fatalf("action = %q, path %q, missing %+v", rec.Action, path(rec), rec.Missing)
	}
	want := Step{
		Node: "issue", Question: "Is something wrong with this rollout?", Answer: "yes",
		Source: "answered by alice", Engineer: "alice", Overridden: true,
		PreAnswer: "no", PreAnswerSource: "health: ✓ healthy: error ratio 0.1% (demo (synthetic))",
	}
	if rec.Path[0] != want {
		t.Errorf("issue step\n got %+v\nwant %+v", rec.Path[0], want)
	}
	// Agreeing with the evidence is recorded, not an override.
	tr := rec.Path[1]
	if tr.Node != "traffic" || tr.Overridden || tr.Engineer != "alice" || tr.PreAnswer != "rolling" {
		t.Errorf("traffic step = %+v", tr)
	}
	// No pre-answer (health healthy says nothing about severity).
	var sev Step
	for _, s := range rec.Path {
		if s.Node == "severity" {
			sev = s
		}
	}
	if sev.Answer != "critical" || sev.Overridden || sev.PreAnswer != "" || sev.Engineer != "alice" {
		t.Errorf("severity step = %+v", sev)
	}
}

func TestUnusedAnswersAreReported(t *testing.T) {
	ev := incident()
	ev.Answers = map[string]string{"quick-fix": "yes", "fix-image": "registry.example/checkout:2.1.1"}
	rec, err := Default().Decide(ev)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Action != Rollback {
		t.Fatalf("action = %s", rec.Action)
	}
	if want := []string{"quick-fix=yes", "fix-image=registry.example/checkout:2.1.1"}; !slices.Equal(rec.Unused, want) {
		t.Errorf("unused = %q, want %q", rec.Unused, want)
	}
}

func TestBadAnswersAreErrors(t *testing.T) {
	ev := incident()
	ev.Answers = map[string]string{"quik-fix": "yes", "severity": "apocalyptic", "fix-image": "not an image"}
	_, err := Default().Decide(ev)
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		`unknown question "quik-fix" (did you mean "quick-fix"?)`,
		`severity: "apocalyptic" is not an answer: answer critical or minor`,
		`fix-image: "not an image" is not an image reference`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestDecideIsDeterministic(t *testing.T) {
	for _, ev := range branchEvidence() {
		a, errA := Default().Decide(ev)
		b, errB := Default().Decide(ev)
		if errA != nil || errB != nil || !reflect.DeepEqual(a, b) {
			t.Fatalf("two runs differ:\n%+v\n%+v", a, b)
		}
	}
}

func TestNoEvidenceAtAll(t *testing.T) {
	rec, err := Default().Decide(nil)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Decided || len(rec.Missing) != 1 || rec.Missing[0].ID != "issue" || rec.Missing[0].Why != "health: ? unknown: not checked" {
		t.Errorf("rec = %+v", rec)
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, field := range []string{`"path":[]`, `"reasons":[]`, `"risks":[]`, `"unused":[]`, `"decided":false`, `"missing":[{"id":"issue"`} {
		if !strings.Contains(string(b), field) {
			t.Errorf("JSON lacks %s: %s", field, b)
		}
	}
}

func TestRecoveryEstimates(t *testing.T) {
	for _, tc := range []struct {
		name   string
		change func(ev *Evidence)
		want   string
	}{
		{"old ReplicaSet up", func(ev *Evidence) { ev.Rollout.OldReady = 4 }, "~1m: the old ReplicaSet still has 4 ready pods"},
		{"statefulset", func(ev *Evidence) {
			ev.Workload.Kind = rollout.StatefulSet
			ev.Rollout.OldReady = 4
		}, "~1m: earlier revisions still have 4 ready pods"},
		{"slow rollout", func(ev *Evidence) { ev.Rollout.PodsPerMinute = 1.5 }, "~3m: 4 pods to start at the observed rollout speed (1.5 pods/min)"},
		{"one pod", func(ev *Evidence) { ev.Rollout.OldReady = 3 }, "~1m: 1 pod to start at the observed rollout speed (2 pods/min)"},
		{"speed unknown", func(ev *Evidence) { ev.Rollout.PodsPerMinute = 0 }, "unknown: 4 pods to start; no rollout speed observed"},
		{"status unknown", func(ev *Evidence) { ev.Rollout = RolloutState{} }, "unknown: the rollout status (desired and ready pods) was not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev := incident()
			tc.change(ev)
			ev.Answers = map[string]string{"paused": "no"}
			rec, err := Default().Decide(ev)
			if err != nil {
				t.Fatal(err)
			}
			if rec.Action != Rollback {
				t.Fatalf("action = %s, path %q", rec.Action, path(rec))
			}
			if got := rec.ExpectedRecovery.String(); got != tc.want {
				t.Errorf("recovery = %q, want %q", got, tc.want)
			}
		})
	}
	// Traffic switches and a roll forward.
	ev := incident()
	ev.Traffic.BlueGreen = &BlueGreen{Service: "checkout", Live: "green", Idle: "blue", IdleReady: 4, IdleDesired: 4}
	rec, _ := Default().Decide(ev)
	if got, want := rec.ExpectedRecovery.String(), "~10s: one Service selector change; blue already has 4 ready pods"; got != want {
		t.Errorf("blue-green recovery = %q, want %q", got, want)
	}
	ev = incident()
	degraded(ev)
	ev.Answers = map[string]string{"quick-fix": "yes", "fix-complex": "no", "fix-image": "r.example/c:2"}
	rec, _ = Default().Decide(ev)
	if got, want := rec.ExpectedRecovery.String(), "~2m: 4 pods to start with the new image (plus the image pull) at the observed rollout speed (2 pods/min)"; got != want {
		t.Errorf("rollforward recovery = %q, want %q", got, want)
	}
}

// TestHostileEvidence: strings from the cluster and Prometheus (alert
// names, canary names, markers, reasons) can carry terminal escape
// sequences; none reaches the recommendation unescaped.
func TestHostileEvidence(t *testing.T) {
	const evil = "\x1b]52;c;ZXZpbA==\x07\x1b[2J\u202e\u009b31m\r\nok"
	mutate := func(ev *Evidence) {
		ev.Health.Reason = "error ratio 12% " + evil
		ev.Health.Source = "prometheus " + evil
		ev.Health.Alerts = []metrics.Alert{{Name: "Alert" + evil, State: "firing", Labels: map[string]string{"severity": evil}}}
		ev.Images = []string{"img" + evil}
		ev.GitOps = GitOps{Tool: "tool" + evil, Marker: "m" + evil}
		ev.HPA = "hpa" + evil
		ev.App.Changed = []string{"deployment/x" + evil}
		ev.App.Name = "shop" + evil
		ev.Rollout.Message = evil
		ev.AnsweredBy = "mallory" + evil
		for i := range ev.RevisionHealth {
			ev.RevisionHealth[i].Verdict.Reason = evil
		}
	}
	var all []*Evidence
	for _, ev := range branchEvidence() {
		mutate(ev)
		all = append(all, ev)
	}
	ev := incident()
	mutate(ev)
	ev.Traffic.Canary = &Canary{Name: "canary" + evil, Stable: "stable" + evil, Share: 0.5, ShareKnown: true, Basis: evil, Mechanism: evil}
	all = append(all, ev)
	ev = incident()
	mutate(ev)
	ev.Traffic.BlueGreen = &BlueGreen{Service: "svc" + evil, Live: "g" + evil, Idle: "b" + evil, IdleReady: 1, IdleDesired: 1}
	all = append(all, ev)
	ev = incident()
	mutate(ev)
	ev.Migration = Migration{Invalid: evil}
	all = append(all, ev)
	ev = incident()
	mutate(ev)
	ev.GitOps = GitOps{}
	ev.Answers = map[string]string{"issue": "yes", "app-scope": "all"}
	ev.App.Changed = []string{evil}
	all = append(all, ev)

	for i, ev := range all {
		rec, err := Default().Decide(ev)
		if err != nil {
			t.Fatal(err)
		}
		checkSafe(t, i, reflect.ValueOf(rec), "rec")
		if _, err := json.Marshal(rec); err != nil {
			t.Fatal(err)
		}
	}
}

// checkSafe fails on any string in v that would not print as is.
func checkSafe(t *testing.T, i int, v reflect.Value, at string) {
	t.Helper()
	switch v.Kind() {
	case reflect.String:
		if !textsafe.Safe(v.String()) {
			t.Errorf("evidence %d: %s = %q is not escaped", i, at, v.String())
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(rollout.Ref{}) {
			return // the workload's name is a Kubernetes name, printed by the caller
		}
		for j := 0; j < v.NumField(); j++ {
			if v.Type().Field(j).IsExported() {
				checkSafe(t, i, v.Field(j), at+"."+v.Type().Field(j).Name)
			}
		}
	case reflect.Slice:
		for j := 0; j < v.Len(); j++ {
			checkSafe(t, i, v.Index(j), at)
		}
	}
}

func TestReadMigration(t *testing.T) {
	for _, tc := range []struct {
		in   map[string]string
		want Migration
	}{
		{nil, Migration{}},
		{map[string]string{MigrationAnnotation: "5"}, Migration{Revision: 5}},
		{map[string]string{MigrationAnnotation: " 12 "}, Migration{Revision: 12}},
		{map[string]string{MigrationAnnotation: "five"}, Migration{Invalid: "five"}},
		{map[string]string{MigrationAnnotation: "0"}, Migration{Invalid: "0"}},
	} {
		if got := ReadMigration(tc.in); got != tc.want {
			t.Errorf("ReadMigration(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
	}
}

func TestEvidenceKeysAllResolve(t *testing.T) {
	ev := incident()
	f := newFacts(ev)
	for _, k := range EvidenceKeys() {
		name := strings.Replace(k, "DURATION", "30m", 1)
		ek, err := lookupEvidence(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		pre := ek.fn(&f, ek)
		if pre.ok && pre.source == "" || !pre.ok && pre.why == "" {
			t.Errorf("%s: pre-answer without a source or a reason: %+v", name, pre)
		}
	}
	ek, _ := lookupEvidence("deployed-within:30m")
	if pre := ek.fn(&f, ek); pre.answer != Yes || pre.source != "history: revision 6 went live 12m ago" {
		t.Errorf("deployed-within:30m = %+v", pre)
	}
	ek, _ = lookupEvidence("deployed-within:10m")
	if pre := ek.fn(&f, ek); pre.answer != No {
		t.Errorf("deployed-within:10m = %+v", pre)
	}
}
