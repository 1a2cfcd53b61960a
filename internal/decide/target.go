package decide

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// TargetKind says what a Target names.
type TargetKind string

// The target kinds.
const (
	TargetNone     TargetKind = "none"
	TargetRevision TargetKind = "revision" // Target.Revision
	TargetImage    TargetKind = "image"    // Target.Image
	TargetSide     TargetKind = "side"     // Target.Side of a blue-green pair
	TargetStable   TargetKind = "stable"   // Target.Name takes all traffic from the canary
	TargetTime     TargetKind = "time"     // the revisions live at Target.Time
)

// Target is what the action moves the workload to.
type Target struct {
	Kind     TargetKind `json:"kind"`
	Revision int64      `json:"revision,omitempty"`
	Image    string     `json:"image,omitempty"`
	Side     string     `json:"side,omitempty"`
	Name     string     `json:"name,omitempty"`
	Time     time.Time  `json:"time,omitzero"`
	// Text names the target for people ("revision 5"); "" for none.
	Text string `json:"text"`
	// Basis says why this target ("last known good: ✓ healthy while
	// live"), or why there is none.
	Basis string `json:"basis,omitempty"`
}

func resolveTarget(spec string, f *facts, answers map[string]string, who string) Target {
	ev := f.ev
	t := Target{Kind: TargetNone}
	revision := func(r int64, basis string) {
		t = Target{Kind: TargetRevision, Revision: r, Text: "revision " + strconv.FormatInt(r, 10), Basis: basis}
	}
	switch {
	case spec == targetCurrent:
		if ev.CurrentRevision > 0 {
			revision(ev.CurrentRevision, "the current revision")
		} else {
			t.Basis = "the current revision is unknown"
		}
	case spec == targetLastKnownGood && f.lkg > 0:
		basis := "last known good"
		if f.lkgHealth != nil {
			basis += ": " + verdictText(f.lkgHealth.Verdict) + " while live"
		}
		revision(f.lkg, basis)
	case spec == targetLastKnownGood && f.previous > 0:
		revision(f.previous, "the previous revision (kubectl's default): no earlier revision is known to be good")
	case spec == targetPrevious && f.previous > 0:
		revision(f.previous, "the previous revision (kubectl's default)")
	case spec == targetLastKnownGood || spec == targetPrevious:
		t.Basis = "no earlier revision in the history"
		if !f.read {
			t.Basis = "the history was not read"
		}
	case spec == targetOldSide:
		if bg := ev.Traffic.BlueGreen; bg != nil && bg.Idle != "" {
			t = Target{Kind: TargetSide, Side: bg.Idle, Text: bg.Idle,
				Basis: fmt.Sprintf("the side Service %s does not select now (%d of %d pods ready)", bg.Service, bg.IdleReady, bg.IdleDesired)}
		} else {
			t.Basis = "no blue-green pair found"
		}
	case spec == targetStable:
		if c := ev.Traffic.Canary; c != nil {
			name := c.Stable
			text := name
			if text == "" {
				text = "the stable version"
			}
			t = Target{Kind: TargetStable, Name: name, Text: text, Basis: "all traffic off the canary " + c.Name}
		} else {
			t.Basis = "no canary found"
		}
	case spec == targetBeforeDeploy:
		if !ev.DeployedAt.IsZero() {
			at := ev.DeployedAt.Add(-time.Second).UTC()
			t = Target{Kind: TargetTime, Time: at,
				Text:  "the revisions live at " + at.Format(time.RFC3339),
				Basis: fmt.Sprintf("just before revision %d went live", ev.CurrentRevision)}
		} else {
			t.Basis = "when the current revision went live is unknown"
		}
	case strings.HasPrefix(spec, targetAnswerPrefix):
		id := strings.TrimPrefix(spec, targetAnswerPrefix)
		if a := answers[id]; a != "" {
			t = Target{Kind: TargetImage, Image: a, Text: a, Basis: "answered by " + who + " (" + id + ")"}
		} else {
			t.Basis = id + " was not answered"
		}
	}
	t.Image = textsafe.String(t.Image)
	t.Side = textsafe.String(t.Side)
	t.Name = textsafe.String(t.Name)
	t.Text = textsafe.String(t.Text)
	t.Basis = textsafe.String(t.Basis)
	return t
}

// Recovery is the expected time to restore service, with its basis.
type Recovery struct {
	// Known is false when there is no basis for an estimate (Basis says
	// why).
	Known   bool  `json:"known"`
	Seconds int64 `json:"seconds,omitempty"`
	// Text is the estimate for people: "~1m", or "unknown".
	Text  string `json:"text"`
	Basis string `json:"basis"`
}

// String is "~1m: the old ReplicaSet still has 3 ready pods".
func (r Recovery) String() string { return r.Text + ": " + r.Basis }

func known(d time.Duration, basis string) Recovery {
	text := "~" + metrics.ShortDuration(d)
	return Recovery{Known: true, Seconds: int64(d / time.Second), Text: text, Basis: textsafe.String(basis)}
}

func notKnown(basis string) Recovery {
	return Recovery{Text: "unknown", Basis: textsafe.String(basis)}
}

// A switch of traffic (a Service selector, route weights) takes effect as
// fast as the proxies pick it up.
const trafficSwitch = 10 * time.Second

// estimate is the expected recovery for the action.
func estimate(a Action, t Target, f *facts) Recovery {
	r := f.ev.Rollout
	switch a {
	case NoAction:
		return Recovery{Text: "none", Basis: "nothing to recover"}
	case Investigate:
		return notKnown("it depends on what the investigation finds")
	case Pause:
		return notKnown("pausing stops the rollout spreading; service recovers only with a fix")
	case BlueGreenSwitch:
		if bg := f.ev.Traffic.BlueGreen; bg != nil {
			return known(trafficSwitch, fmt.Sprintf("one Service selector change; %s already has %d ready pods", bg.Idle, bg.IdleReady))
		}
		return notKnown("no blue-green pair found")
	case CanaryRollback:
		if f.ev.Traffic.Canary != nil {
			return known(trafficSwitch, "one traffic change; the stable pods are already serving")
		}
		return notKnown("no canary found")
	}
	if t.Kind == TargetNone {
		return notKnown("no target")
	}
	if !r.Observed || r.Desired <= 0 {
		return notKnown("the rollout status (desired and ready pods) was not read")
	}
	var toStart int32
	var what string
	suffix := ""
	switch a {
	case Rollback, RollbackApp, PartialRollback:
		if a != Rollback {
			suffix = " (this workload; the other parts roll back at the same time)"
		}
		if r.OldReady >= r.Desired {
			old := "earlier revisions still have"
			if f.ev.Workload.Kind == rollout.Deployment {
				old = "the old ReplicaSet still has"
			}
			return known(time.Minute, fmt.Sprintf("%s %s%s", old, plural(int64(r.OldReady), "ready pod", "ready pods"), suffix))
		}
		toStart = r.Desired - r.OldReady
		what = "to start"
	case Rollforward:
		toStart = r.Desired
		what = "to start with the new image (plus the image pull)"
	case Resume:
		toStart = max(r.Desired-r.Updated, 0)
		what = "left to update"
		if toStart == 0 {
			return known(trafficSwitch, "every pod is already updated")
		}
	default:
		return notKnown("no estimate for " + string(a))
	}
	pods := plural(int64(toStart), "pod", "pods") + " " + what
	if r.PodsPerMinute <= 0 || math.IsNaN(r.PodsPerMinute) || math.IsInf(r.PodsPerMinute, 0) {
		return notKnown(pods + "; no rollout speed observed" + suffix)
	}
	minutes := math.Ceil(float64(toStart) / r.PodsPerMinute)
	minutes = max(1, min(minutes, 24*60))
	speed := strconv.FormatFloat(math.Round(r.PodsPerMinute*10)/10, 'f', -1, 64)
	return known(time.Duration(minutes)*time.Minute, fmt.Sprintf("%s at the observed rollout speed (%s pods/min)%s", pods, speed, suffix))
}
