package wizard

import (
	"fmt"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
)

// resetVerify forgets a verification, keeping its sequence so its late
// answers are still told apart.
func (s *Screen) resetVerify() { s.verify = verification{seq: s.verify.seq} }

// verification is what is observed after an action: the rollout (or the
// traffic), then health, until verified or the bake time passes.
type verification struct {
	// seq ties observations to this verification; it is kept across
	// verifications so a stale one's answers are dropped.
	seq    int
	kind   verifyKind
	action string
	stream *verifyStream
	// executed is the write's own message ("set image …"); active says a
	// write was answered in the action now on screen.
	executed string
	active   bool

	started       time.Time
	status        rollout.Status
	statusSeen    bool
	rolloutDoneAt time.Time
	verdict       metrics.Verdict
	verdictSeen   bool
	verdictAt     time.Time
	done          *verifyDone
}

// startVerify begins observing the effect of the write just answered
// (executed says what it did).
func (s *Screen) startVerify(kind verifyKind, actionName, actor, executed string, tp *action.TrafficPlan) tea.Cmd {
	seq := s.verify.seq + 1
	s.verify = verification{seq: seq, kind: kind, action: actionName, started: s.c.Now(), executed: executed, active: true}
	if kind == verifyPaused {
		return readPaused(s.deps, s.token, seq, s.ref)
	}
	if s.deps.Decision == nil || s.deps.Decision.Ops == nil {
		s.verify.done = &verifyDone{summary: "cannot verify: the console has no client to watch with"}
		return nil
	}
	s.verify.stream = newVerifyStream()
	if kind == verifyTrafficShift && tp != nil {
		return verifyTraffic(s.deps, s.verify.stream, s.token, seq, tp)
	}
	return verifyRollout(s.deps, s.verify.stream, s.token, seq, s.ref, actionName, actor)
}

// verified takes one observation, or the end.
func (s Screen) verified(msg verifyMsg) (common.Screen, tea.Cmd) {
	v := &s.verify
	if u := msg.update; u != nil {
		if u.status != nil {
			v.status, v.statusSeen = *u.status, true
			if u.status.Done() && v.rolloutDoneAt.IsZero() {
				v.rolloutDoneAt = s.c.Now()
			}
		}
		if u.verdict != nil {
			v.verdict, v.verdictSeen, v.verdictAt = *u.verdict, true, s.c.Now()
		}
		if s.stage == stageExecute && s.rb != nil && v.statusSeen && v.status.Done() {
			s.stage = stageVerify // the rollout ended: verification takes over
		}
		s.refresh()
		return s, v.stream.wait(s.token, v.seq)
	}
	d := *msg.done
	v.done = &d
	if d.healthChecked {
		v.verdict, v.verdictSeen = d.health, true
	}
	if s.stage == stageExecute {
		s.stage = stageVerify
	}
	s.next = s.nextStep()
	s.refresh()
	return s, nil
}

// pauseCheck reads the workload again when the cache says it changed,
// until a pause is seen.
func (s Screen) pauseCheck(msg common.ClusterChangedMsg) tea.Cmd {
	if s.stage != stageVerify || s.verify.kind != verifyPaused || s.verify.done != nil || !msg.Touches(s.ref, "") {
		return nil
	}
	return readPaused(s.deps, s.token, s.verify.seq, s.ref)
}

func (s Screen) pauseSeen(msg pausedMsg) (common.Screen, tea.Cmd) {
	v := &s.verify
	if v.done != nil || v.kind != verifyPaused {
		return s, nil
	}
	if msg.err != nil {
		v.done = &verifyDone{summary: "reading the workload back failed: " + safe(msg.err.Error())}
	} else {
		v.status, v.statusSeen = msg.status, true
		if msg.paused {
			v.done = &verifyDone{verified: true, summary: fmt.Sprintf("the rollout is paused where it was: %d of %d pods updated, %d available",
				msg.status.Updated, msg.status.Desired, msg.status.Available)}
		}
	}
	if v.done != nil {
		s.next = s.nextStep()
	}
	s.refresh()
	return s, nil
}

// nextStep is what the wizard offers after a verification: a failed
// rollforward falls back to the last known good revision (else the one
// live before it); anything else is decided again with fresh evidence.
func (s Screen) nextStep() *execution {
	d := s.verify.done
	if d == nil || d.verified || s.verify.action != action.SetImageAction || s.gathered == nil {
		return nil
	}
	h, ev := s.gathered.History, s.gathered.Evidence
	to, why := ev.LastKnownGood, "last known good"
	if to == 0 && ev.CurrentRevision > 0 {
		to, why = ev.CurrentRevision, "the revision live before the rollforward"
	}
	r, ok := h.Find(to)
	if !ok {
		return nil
	}
	return &execution{kind: execRollback, rev: *r, why: why, label: fmt.Sprintf("roll back to revision %d (%s)", to, why),
		reason: "rollforward not verified (" + d.summary + "); " + reasonFrom(s.walk.rec),
		cli:    fmt.Sprintf("mayday undo %s -n %s --to-revision %d", s.ref, shellQuote(s.ref.Namespace), to)}
}

// recordConfirmed records who confirmed an action, in a command.
func (s Screen) recordConfirmed(actionName, actor string) tea.Cmd {
	if s.deps.Decision == nil || s.deps.Decision.Ops == nil {
		return nil
	}
	ops, ref, rec := s.deps.Decision.Ops, s.ref, s.walk.rec
	var ev *decide.Evidence
	if s.gathered != nil {
		ev = s.gathered.Evidence
	}
	return func() tea.Msg {
		ops.Confirmed(actionName, ref, actor, ev, rec)
		return nil
	}
}

// settle is how long a healthy verdict must wait after the rollout: the
// verdict's rate window must lie after it.
func (s Screen) settle() time.Duration {
	if s.deps.Health == nil {
		return 0
	}
	return s.deps.Health.RateRange(0)
}
