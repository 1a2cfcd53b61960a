package wizard

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
)

// The rollback runs in the rollback flow, embedded: its plan, server dry
// run, confirmation (the workload's name in production), conflict
// handling and live progress are the same as from the history. The
// wizard keeps its header above it, takes back the keys that would leave
// the flow, and verifies once the write is done.

// toRollback passes a message to the embedded flow and starts the
// verification when the write has just been answered.
func (s Screen) toRollback(msg tea.Msg) (common.Screen, tea.Cmd) {
	before := s.rb.Phase()
	next, cmd := s.rb.Update(msg)
	rb := next.(rollback.Screen)
	s.rb = &rb
	cmd = s.wrapRollback(cmd)
	if before == rollback.Confirming && rb.Phase() == rollback.Executing {
		cmd = tea.Sequence(s.recordConfirmed("rollback", rb.Plan().Attribution.Actor), cmd)
	}
	if rb.Done() && s.stage == stageExecute {
		s.stage = stageVerify // the rollout ended: the verification view takes over
	}
	if before != rollback.Watching && rb.Phase() == rollback.Watching {
		// Applied: the rollout is under way. The flow shows it; the
		// verifier follows it too, and then waits for health.
		done := fmt.Sprintf("rolled back to revision %d", rb.Plan().ToRevision)
		vcmd := s.startVerify(verifyWorkload, "rollback", rb.Plan().Attribution.Actor, done, nil)
		return s, tea.Batch(cmd, vcmd)
	}
	return s, cmd
}

// wrapRollback turns the flow's "back" into the wizard's: leaving the
// flow returns to the recommendation, not out of the wizard.
func (s Screen) wrapRollback(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	return func() tea.Msg {
		msg := cmd()
		if _, ok := msg.(common.BackMsg); ok {
			return leaveExecMsg{}
		}
		return msg
	}
}

func (s Screen) rollbackKey(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	ph := s.rb.Phase()
	typing := s.rb.CapturesInput()
	switch {
	case key.Matches(msg, s.c.Keys.Global.Back) || typing && msg.String() == "esc":
		if ph == rollback.Executing {
			return s, nil // the write is in flight: its answer decides
		}
		return s.leaveExec(), nil
	case !typing && ph == rollback.Confirming && key.Matches(msg, s.c.Keys.Rollback.Cancel):
		return s.leaveExec(), nil
	}
	if ph == rollback.Watching && s.rb.Done() {
		return s, nil // the verification view takes over
	}
	return s.toRollback(msg)
}
