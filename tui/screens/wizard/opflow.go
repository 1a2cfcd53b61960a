package wizard

import (
	"errors"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/diffview"
)

// opPhase is where an action other than a rollback is: the same steps as
// the rollback flow.
type opPhase int

const (
	opPlanning     opPhase = iota
	opPlanFailed           // no plan: forbidden, read-only, bad input
	opDryRunning           // plan shown, the server dry run runs
	opDryRunFailed         // the API server refused it
	opConfirming           // waiting for the engineer's yes
	opSkipped              // nothing to do
	opExecuting            // the write is in flight
	opExecFailed           // the write failed or its outcome is unknown
)

// opFlow is a set-image, pause, resume or traffic action in progress.
type opFlow struct {
	planner planner
	phase   opPhase
	seq     int
	plan    *opPlan
	err     error
	dry     string
	// conflict is what another writer changed, after a conflict made the
	// plan be made again.
	conflict []string
	typed    string
}

// typing reports whether the workload's name is being typed (production).
func (o opFlow) typing(c *common.Common) bool { return c.Production && o.phase == opConfirming }

func (s *Screen) planOp() tea.Cmd {
	s.op.seq++
	s.op.phase, s.op.err = opPlanning, nil
	return planOp(s.token, s.op.seq, s.op.planner, s.deps.Ctx)
}

func (s *Screen) dryRunOp() tea.Cmd {
	s.op.seq++
	s.op.phase, s.op.dry = opDryRunning, ""
	return dryRunOp(s.deps.Ctx, s.token, s.op.seq, s.op.plan)
}

func (s Screen) opMsg(msg tea.Msg) (common.Screen, tea.Cmd) {
	if s.stage != stageExecute || s.rb != nil {
		return s, nil
	}
	switch msg := msg.(type) {
	case opPlannedMsg:
		if msg.token != s.token || msg.seq != s.op.seq {
			return s, nil
		}
		if msg.err != nil {
			s.op.phase, s.op.err = opPlanFailed, msg.err
			break
		}
		s.op.plan = msg.plan
		if msg.plan.skip != "" {
			s.op.phase = opSkipped
			break
		}
		cmd := s.dryRunOp()
		s.refresh()
		return s, cmd
	case opDryRunMsg:
		if msg.token != s.token || msg.seq != s.op.seq {
			return s, nil
		}
		if msg.err != nil {
			s.op.phase, s.op.err = opDryRunFailed, msg.err
			break
		}
		s.op.phase, s.op.dry, s.op.typed = opConfirming, msg.msg, ""
	case opExecutedMsg:
		if msg.token != s.token || msg.seq != s.op.seq {
			return s, nil
		}
		return s.opExecuted(msg)
	}
	s.refresh()
	return s, nil
}

func (s Screen) opExecuted(msg opExecutedMsg) (common.Screen, tea.Cmd) {
	var changed *action.ChangedError
	var tconflict *action.TrafficConflictError
	switch {
	case errors.As(msg.err, &changed):
		// Nothing was written: show what the other writer changed and
		// plan again on the workload as it is now.
		s.op.conflict = []string{"⚠ conflict: " + safe(changed.Error())}
		if len(changed.Concurrent.Summary) > 0 {
			s.op.conflict = append(s.op.conflict, diffview.Summary(s.c, "Changed meanwhile by someone else", changed.Concurrent.Summary)...)
		}
		cmd := s.planOp()
		s.refresh()
		return s, cmd
	case errors.As(msg.err, &tconflict) && tconflict.Applied == 0:
		s.op.conflict = []string{"⚠ conflict: " + safe(tconflict.Error())}
		cmd := s.planOp()
		s.refresh()
		return s, cmd
	case msg.err != nil:
		s.op.phase, s.op.err = opExecFailed, msg.err
		s.refresh()
		return s, nil
	}
	p := s.op.plan
	s.stage = stageVerify
	cmd := s.startVerify(p.verify, p.action, p.actor, safe(msg.msg), p.traffic)
	s.refresh()
	return s, cmd
}

func (s Screen) opKey(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	k := s.c.Keys.Rollback
	if s.op.typing(s.c) {
		switch msg.String() {
		case "enter":
			if s.op.typed == s.ref.Name {
				return s.confirmOp()
			}
			return s, nil
		case "backspace":
			if r := []rune(s.op.typed); len(r) > 0 {
				s.op.typed = string(r[:len(r)-1])
			}
			return s, nil
		case "esc":
			return s.leaveExec(), nil
		case "up", "down", "pgup", "pgdown":
		default:
			if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 {
				s.op.typed += msg.Text
			}
			return s, nil
		}
	}
	switch {
	case key.Matches(msg, s.c.Keys.Global.Back):
		if s.op.phase == opExecuting {
			return s, nil // the write is in flight: its answer decides
		}
		return s.leaveExec(), nil
	case s.op.phase == opConfirming && key.Matches(msg, k.Confirm):
		return s.confirmOp()
	case s.op.phase == opConfirming && key.Matches(msg, k.Cancel):
		return s.leaveExec(), nil
	case key.Matches(msg, k.Up):
		s.vp.ScrollUp(1)
	case key.Matches(msg, k.Down):
		s.vp.ScrollDown(1)
	case key.Matches(msg, k.PageUp):
		s.vp.PageUp()
	case key.Matches(msg, k.PageDown):
		s.vp.PageDown()
	}
	return s, nil
}

func (s Screen) confirmOp() (common.Screen, tea.Cmd) {
	if s.op.phase != opConfirming || s.op.plan == nil {
		return s, nil
	}
	p := s.op.plan
	s.op.phase = opExecuting
	s.op.seq++
	s.refresh()
	return s, tea.Sequence(s.recordConfirmed(p.action, p.actor), executeOp(s.deps.Ctx, s.token, s.op.seq, p))
}
