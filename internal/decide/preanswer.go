package decide

import (
	"fmt"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// preAnswer is the evidence's answer to a question: the answer and its
// source, or why the evidence cannot answer.
type preAnswer struct {
	answer string
	source string
	ok     bool
	why    string
}

func answered(answer, source string) preAnswer {
	return preAnswer{answer: answer, source: source, ok: true}
}

func unanswered(why string) preAnswer { return preAnswer{why: why} }

func yesNo(b bool) string {
	if b {
		return Yes
	}
	return No
}

// evidenceKey is one way of pre-answering a question from evidence.
type evidenceKey struct {
	name   string
	typ    AnswerType
	values []string // the answers it gives, for choice
	within time.Duration
	fn     func(f *facts, k evidenceKey) preAnswer
}

// EvidenceKeys lists the evidence a question can be pre-answered from, in
// documentation order. deployed-within takes a duration:
// deployed-within:30m.
func EvidenceKeys() []string {
	return []string{
		"issue", "severity", "traffic", "canary-share", "old-side-ready",
		"paused-midway", "current-revision-unhealthy", "earlier-revision",
		"migration-blocks", "gitops", "target-healthy", "progressing",
		"app-changed", "old-pods-ready", "hpa", "alerts-firing",
		"rollout-failed", "deployed-within:DURATION",
	}
}

// lookupEvidence returns the evidence key named in a policy.
func lookupEvidence(name string) (evidenceKey, error) {
	k := evidenceKey{name: name, typ: Bool}
	switch name {
	case "issue":
		k.fn = preIssue
	case "severity":
		k.typ, k.fn = Severity, preSeverity
	case "traffic":
		k.typ, k.values, k.fn = Choice, []string{"canary", "blue-green", "rolling"}, preTraffic
	case "canary-share":
		k.fn = preCanaryShare
	case "old-side-ready":
		k.fn = preOldSideReady
	case "paused-midway":
		k.fn = prePausedMidway
	case "current-revision-unhealthy":
		k.fn = preCurrentUnhealthy
	case "earlier-revision":
		k.fn = preEarlierRevision
	case "migration-blocks":
		k.fn = preMigrationBlocks
	case "gitops":
		k.fn = preGitOps
	case "target-healthy":
		k.fn = preTargetHealthy
	case "progressing":
		k.fn = preProgressing
	case "app-changed":
		k.fn = preAppChanged
	case "old-pods-ready":
		k.fn = preOldPodsReady
	case "hpa":
		k.fn = preHPA
	case "alerts-firing":
		k.fn = preAlertsFiring
	case "rollout-failed":
		k.fn = preRolloutFailed
	default:
		arg, ok := strings.CutPrefix(name, "deployed-within:")
		if !ok {
			msg := fmt.Sprintf("unknown evidence %q", name)
			if s := yamlfields.Closest(name, EvidenceKeys()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known: " + strings.Join(EvidenceKeys(), ", ") + ")"
			}
			return k, fmt.Errorf("%s", msg)
		}
		d, err := time.ParseDuration(arg)
		if err != nil || d <= 0 {
			return k, fmt.Errorf("deployed-within needs a positive duration such as 30m or 2h, got %q", arg)
		}
		k.within, k.fn = d, preDeployedWithin
	}
	return k, nil
}

func preIssue(f *facts, _ evidenceKey) preAnswer {
	h, r := f.ev.Health, f.ev.Rollout
	switch {
	case h.State >= metrics.Degraded:
		return answered(Yes, healthSource(h))
	case len(firingAlerts(h)) > 0:
		return answered(Yes, "alerts: "+strings.Join(firingAlerts(h), ", ")+" firing")
	case r.Observed && r.Failed:
		return answered(Yes, rolloutFailedSource(r))
	case h.State == metrics.Healthy:
		return answered(No, healthSource(h))
	}
	return unanswered(healthSource(h))
}

func rolloutFailedSource(r RolloutState) string {
	s := "rollout: progress deadline exceeded"
	if r.Message != "" {
		s += ": " + r.Message
	}
	return s
}

func preSeverity(f *facts, _ evidenceKey) preAnswer {
	h, r := f.ev.Health, f.ev.Rollout
	switch {
	case h.State == metrics.Critical:
		return answered(Critical, healthSource(h))
	case h.State == metrics.Degraded:
		return answered(Minor, healthSource(h))
	case h.State == metrics.Healthy && r.Observed && r.Failed:
		return answered(Minor, healthSource(h)+"; the rollout failed before users were affected ("+rolloutFailedSource(r)+")")
	}
	return unanswered(healthSource(h))
}

func preTraffic(f *facts, _ evidenceKey) preAnswer {
	t := f.ev.Traffic
	switch {
	case t.Canary != nil:
		return answered("canary", canarySource(t.Canary))
	case t.BlueGreen != nil:
		bg := t.BlueGreen
		return answered("blue-green", fmt.Sprintf("traffic: Service %s selects %s; %s is the other side", bg.Service, bg.Live, bg.Idle))
	case t.Err != "":
		return unanswered("traffic: " + t.Err)
	case t.Checked:
		return answered("rolling", "traffic: no canary and no blue-green pair found")
	}
	return unanswered("traffic: not examined for a canary or a blue-green pair")
}

func canarySource(c *Canary) string {
	s := "traffic: canary " + c.Name
	if c.ShareKnown {
		s += " takes " + percent(c.Share)
	} else {
		s += " (share unknown)"
	}
	if c.Stable != "" {
		s += ", stable " + c.Stable
	}
	if c.Basis != "" {
		s += " (" + c.Basis + ")"
	} else if c.Mechanism != "" {
		s += " (" + c.Mechanism + ")"
	}
	return s
}

func preCanaryShare(f *facts, _ evidenceKey) preAnswer {
	c := f.ev.Traffic.Canary
	switch {
	case c == nil:
		return unanswered("traffic: no canary found")
	case !c.ShareKnown:
		return unanswered(canarySource(c))
	}
	return answered(yesNo(c.Share > 0), canarySource(c))
}

func preOldSideReady(f *facts, _ evidenceKey) preAnswer {
	bg := f.ev.Traffic.BlueGreen
	if bg == nil {
		return unanswered("traffic: no blue-green pair found")
	}
	src := fmt.Sprintf("traffic: %s has %d of %d pods ready (Service %s selects %s)", bg.Idle, bg.IdleReady, bg.IdleDesired, bg.Service, bg.Live)
	return answered(yesNo(bg.IdleReady > 0 && bg.IdleReady >= bg.IdleDesired), src)
}

func prePausedMidway(f *facts, _ evidenceKey) preAnswer {
	r := f.ev.Rollout
	switch {
	case !r.Observed:
		return unanswered("rollout: status not read")
	case !r.Paused:
		return answered(No, "rollout: not paused")
	case r.Updated < r.Desired:
		return answered(Yes, fmt.Sprintf("rollout: paused with %d of %d pods updated", r.Updated, r.Desired))
	}
	return answered(No, fmt.Sprintf("rollout: paused, but all %d pods are updated", r.Desired))
}

func preCurrentUnhealthy(f *facts, _ evidenceKey) preAnswer {
	h := f.curHealth
	switch {
	case h == nil:
		return unanswered(fmt.Sprintf("health: revision %d's own pods were not judged", f.ev.CurrentRevision))
	}
	src := fmt.Sprintf("health: revision %d's own pods %s", h.Revision, verdictText(h.Verdict))
	switch h.Verdict.State {
	case metrics.Critical, metrics.Degraded:
		return answered(Yes, src)
	case metrics.Healthy:
		return answered(No, src)
	}
	return unanswered(src)
}

func preEarlierRevision(f *facts, _ evidenceKey) preAnswer {
	switch {
	case !f.read:
		return unanswered("history: not read")
	case len(f.earlier) == 0:
		return answered(No, fmt.Sprintf("history: revision %d is the only one (older ones may have been pruned by revisionHistoryLimit)", f.ev.CurrentRevision))
	}
	return answered(Yes, fmt.Sprintf("history: %s before current %d", revisionsWord(f.earlier), f.ev.CurrentRevision))
}

func revisionsWord(revs []int64) string {
	if len(revs) == 1 {
		return fmt.Sprintf("revision %d", revs[0])
	}
	return "revisions " + formatRevisions(revs)
}

func preMigrationBlocks(f *facts, _ evidenceKey) preAnswer {
	m := f.ev.Migration
	switch {
	case !f.read:
		return unanswered("workload: not read")
	case m.Invalid != "":
		return unanswered(fmt.Sprintf("workload: %s=%q is not a revision number", MigrationAnnotation, m.Invalid))
	case m.Revision == 0:
		return answered(No, "workload: no "+MigrationAnnotation+" annotation")
	case f.rollbackTarget == 0:
		return unanswered(fmt.Sprintf("workload: %s=%d, but there is no earlier revision to compare", MigrationAnnotation, m.Revision))
	}
	src := fmt.Sprintf("workload: %s=%d; rollback target revision %d", MigrationAnnotation, m.Revision, f.rollbackTarget)
	if f.rollbackTarget < m.Revision {
		return answered(Yes, src+" predates it")
	}
	return answered(No, src+" does not predate it")
}

func preGitOps(f *facts, _ evidenceKey) preAnswer {
	g := f.ev.GitOps
	switch {
	case !f.read:
		return unanswered("workload: not read")
	case g.Tool == "":
		return answered(No, "workload: no Argo CD or Flux markers")
	}
	src := "workload: managed by " + g.Name()
	if g.Marker != "" {
		src += " (" + g.Marker + ")"
	}
	return answered(Yes, src)
}

func preTargetHealthy(f *facts, _ evidenceKey) preAnswer {
	switch {
	case f.lkg > 0 && f.lkgHealth != nil:
		return answered(Yes, "history: "+revisionVerdictText(f.lkgHealth)+" (last known good)")
	case f.lkg > 0:
		return answered(Yes, fmt.Sprintf("history: revision %d is the last known good revision", f.lkg))
	case f.previous == 0:
		return unanswered("history: no earlier revision")
	case f.prevHealth == nil:
		return unanswered(fmt.Sprintf("history: revision %d's health while live is unknown (not judged)", f.previous))
	case f.prevHealth.Verdict.State >= metrics.Degraded:
		return answered(No, "history: "+revisionVerdictText(f.prevHealth))
	case f.prevHealth.Verdict.State == metrics.Healthy:
		return answered(Yes, "history: "+revisionVerdictText(f.prevHealth))
	}
	return unanswered("history: " + revisionVerdictText(f.prevHealth))
}

func preProgressing(f *facts, _ evidenceKey) preAnswer {
	r := f.ev.Rollout
	switch {
	case !r.Observed:
		return unanswered("rollout: status not read")
	case r.Paused:
		return answered(No, fmt.Sprintf("rollout: paused with %d of %d pods updated", r.Updated, r.Desired))
	case r.Complete:
		return answered(No, fmt.Sprintf("rollout: complete (%d of %d pods updated)", r.Updated, r.Desired))
	case r.Failed:
		return answered(Yes, rolloutFailedSource(r)+"; the controller keeps trying")
	}
	return answered(Yes, fmt.Sprintf("rollout: %d of %d pods updated, still progressing", r.Updated, r.Desired))
}

func preAppChanged(f *facts, _ evidenceKey) preAnswer {
	a := f.ev.App
	switch {
	case !a.Checked:
		return unanswered("app: the application's other parts were not examined")
	case a.Label == "":
		return answered(No, "app: no app.kubernetes.io/part-of or app.kubernetes.io/instance label")
	case len(a.Changed) == 0:
		return answered(No, "app: no other part of "+a.Label+" changed in the same deploy")
	}
	return answered(Yes, "app: "+strings.Join(a.Changed, ", ")+" ("+a.Label+") changed in the same deploy")
}

func preOldPodsReady(f *facts, _ evidenceKey) preAnswer {
	r := f.ev.Rollout
	switch {
	case !r.Observed:
		return unanswered("rollout: status not read")
	case r.Desired == 0:
		return unanswered("rollout: no desired replica count")
	}
	return answered(yesNo(r.OldReady >= r.Desired), fmt.Sprintf("rollout: %d of %d pods of earlier revisions still ready", r.OldReady, r.Desired))
}

func preHPA(f *facts, _ evidenceKey) preAnswer {
	if !f.read {
		return unanswered("workload: not read")
	}
	if f.ev.HPA == "" {
		return answered(No, "workload: no HorizontalPodAutoscaler")
	}
	return answered(Yes, "workload: scaled by HorizontalPodAutoscaler "+f.ev.HPA)
}

func preAlertsFiring(f *facts, _ evidenceKey) preAnswer {
	h := f.ev.Health
	if a := firingAlerts(h); len(a) > 0 {
		return answered(Yes, "alerts: "+strings.Join(a, ", ")+" firing")
	}
	if h.State == metrics.Unknown && h.Source == "" {
		return unanswered("alerts: not read")
	}
	return answered(No, "alerts: none firing")
}

func preRolloutFailed(f *facts, _ evidenceKey) preAnswer {
	r := f.ev.Rollout
	if !r.Observed {
		return unanswered("rollout: status not read")
	}
	if r.Failed {
		return answered(Yes, rolloutFailedSource(r))
	}
	return answered(No, "rollout: no progress deadline exceeded")
}

func preDeployedWithin(f *facts, k evidenceKey) preAnswer {
	ev := f.ev
	if ev.DeployedAt.IsZero() || ev.Now.IsZero() {
		return unanswered("history: when the current revision went live is unknown")
	}
	age := ev.Now.Sub(ev.DeployedAt)
	src := fmt.Sprintf("history: revision %d went live %s ago", ev.CurrentRevision, ago(age))
	return answered(yesNo(age <= k.within), src)
}

// ago writes an age the way people say it: 45s, 12m, 3h10m, 2d.
func ago(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Minute:
		return metrics.ShortDuration(d.Round(time.Second))
	case d < time.Hour:
		return metrics.ShortDuration(d.Round(time.Minute))
	case d < 24*time.Hour:
		d = d.Round(time.Minute)
		h, m := d/time.Hour, (d%time.Hour)/time.Minute
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return fmt.Sprintf("%dd", d/(24*time.Hour))
}
