package wizard

import (
	"errors"
	"slices"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
)

// Update drives the wizard.
func (s Screen) Update(msg tea.Msg) (common.Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case GatheredMsg:
		if msg.token == s.token && msg.seq == s.gatherSeq {
			return s.gatheredMsg(msg)
		}
		return s, nil
	case opPlannedMsg, opDryRunMsg, opExecutedMsg:
		return s.opMsg(msg)
	case verifyMsg:
		if msg.token == s.token && msg.seq == s.verify.seq {
			return s.verified(msg)
		}
		return s, nil
	case pausedMsg:
		if msg.token == s.token && msg.seq == s.verify.seq {
			return s.pauseSeen(msg)
		}
		return s, nil
	case common.ClusterChangedMsg:
		if s.stage == stageDecide && s.gathered != nil && !s.gathering && msg.Touches(s.ref, s.gathered.History.UID) {
			s.changed = true
		}
		cmd := s.pauseCheck(msg)
		if s.rb != nil {
			next, rcmd := s.toRollback(msg)
			return next, tea.Batch(cmd, rcmd)
		}
		return s, cmd
	case common.TickMsg:
		return s, nil // the view reads the clock; the root redraws
	case executeMsg:
		return s.execute()
	case skipMsg:
		return s.skip(), nil
	case regatherMsg:
		return s.regather()
	case leaveExecMsg:
		return s.leaveExec(), nil
	case tea.KeyPressMsg:
		return s.key(msg)
	case tea.PasteMsg:
		return s.paste(msg)
	}
	if s.rb != nil {
		// The rollback flow's own answers (plan, dry run, write, progress).
		return s.toRollback(msg)
	}
	return s, nil
}

func (s Screen) gatheredMsg(msg GatheredMsg) (common.Screen, tea.Cmd) {
	s.gathering = false
	s.gatherErr = msg.Err
	if msg.Err != nil || msg.Gathered == nil || msg.Gathered.Evidence == nil {
		if s.gatherErr == nil {
			s.gatherErr = errors.New("no evidence was returned")
		}
		s.refresh()
		return s, nil
	}
	s.gathered, s.gatheredAt, s.changed = msg.Gathered, s.c.Now(), false
	ev := *msg.Gathered.Evidence
	if s.stage == stageGather {
		actor := msg.Actor
		if actor == "" {
			actor = "the engineer"
		}
		s.walk = newWalk(s.policy(), ev, actor)
		s.stage = stageDecide
	} else {
		s.walk.regathered(ev)
	}
	s.exec = s.executionFor(s.walk.rec)
	s.resetAnswer()
	s.refresh()
	return s, nil
}

// policy is the team's policy, else the default.
func (s Screen) policy() *decide.Policy {
	if s.deps.Decision != nil && s.deps.Decision.Policy != nil {
		return s.deps.Decision.Policy
	}
	return decide.Default()
}

// resetAnswer puts the highlight on the current answer of the question on
// screen (the evidence's, or the engineer's), or the first value of an
// open question; a text question starts from its answer.
func (s *Screen) resetAnswer() {
	s.answerErr = ""
	cur := s.walk.current()
	s.choice, s.typed = 0, ""
	answer := ""
	if cur.Step != nil {
		answer = cur.Step.Answer
	}
	if i := slices.Index(cur.Question.Values, answer); i >= 0 {
		s.choice = i
	}
	if cur.Question.Type == decide.Text {
		s.typed = answer
		if s.typed == "" && cur.Question.Format == decide.FormatImage {
			s.typed = s.imageStem()
		}
	}
}

// imageStem starts an image answer from the repository the workload runs
// now, so the engineer types only the fixed tag.
func (s Screen) imageStem() string {
	if s.gathered == nil || len(s.gathered.Evidence.Images) == 0 {
		return ""
	}
	if r := repository(s.gathered.Evidence.Images[0]); r != "" {
		return r + ":"
	}
	return ""
}

func (s Screen) key(msg tea.KeyPressMsg) (common.Screen, tea.Cmd) {
	if s.stage == stageExecute {
		if s.rb != nil {
			return s.rollbackKey(msg)
		}
		return s.opKey(msg)
	}
	k := s.keys()
	ph := s.Phase()
	if ph == Asking && s.walk.current().Question.Type == decide.Text {
		if next, cmd, done := s.textKey(msg); done {
			return next, cmd
		}
	}
	switch {
	case key.Matches(msg, s.c.Keys.Global.Back):
		return s, back
	case key.Matches(msg, k.Execute):
		return s.execute()
	case key.Matches(msg, k.Regather):
		return s.regather()
	case key.Matches(msg, k.Skip):
		return s.skip(), nil
	case key.Matches(msg, k.Previous):
		if s.walk.back() {
			s.resetAnswer()
			s.refresh()
		}
		return s, nil
	case key.Matches(msg, k.Accept):
		return s.accept(), nil
	case ph == Asking && key.Matches(msg, k.Up):
		s.choice = max(s.choice-1, 0)
		s.answerErr = ""
	case ph == Asking && key.Matches(msg, k.Down):
		s.choice = min(s.choice+1, max(len(s.walk.current().Question.Values)-1, 0))
		s.answerErr = ""
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

// textKey edits a text answer: printable keys, backspace, ctrl+u.
func (s Screen) textKey(msg tea.KeyPressMsg) (common.Screen, tea.Cmd, bool) {
	switch msg.String() {
	case "backspace":
		if r := []rune(s.typed); len(r) > 0 {
			s.typed = string(r[:len(r)-1])
		}
		s.answerErr = ""
		return s, nil, true
	case "ctrl+u":
		s.typed, s.answerErr = "", ""
		return s, nil, true
	}
	if msg.Text != "" && msg.Mod&(tea.ModCtrl|tea.ModAlt) == 0 && msg.String() != "enter" && msg.String() != "tab" {
		s.typed += textsafe.String(msg.Text)
		s.answerErr = ""
		return s, nil, true
	}
	return s, nil, false
}

func (s Screen) paste(msg tea.PasteMsg) (common.Screen, tea.Cmd) {
	switch {
	case s.Phase() == Asking && s.walk.current().Question.Type == decide.Text:
		s.typed += textsafe.String(msg.Content)
		s.answerErr = ""
	case s.stage == stageExecute && s.rb != nil:
		return s.toRollback(msg)
	case s.stage == stageExecute && s.op.typing(s.c):
		s.op.typed += textsafe.String(msg.Content)
	}
	return s, nil
}

func back() tea.Msg { return common.BackMsg{} }

// accept answers the question on screen with the highlighted (or typed)
// answer and moves on; at the last question the recommendation shows.
func (s Screen) accept() common.Screen {
	cur := s.walk.current()
	if cur.Outcome {
		return s
	}
	value := s.typed
	if cur.Question.Type != decide.Text {
		if s.choice >= len(cur.Question.Values) {
			return s
		}
		value = cur.Question.Values[s.choice]
	}
	if err := s.walk.answer(value); err != nil {
		s.answerErr = textsafe.String(err.Error())
		return s
	}
	s.exec = s.executionFor(s.walk.rec)
	s.resetAnswer()
	s.refresh()
	return s
}

func (s Screen) skip() common.Screen {
	if s.Phase() != Asking || s.walk.current().Open {
		return s
	}
	s.walk.skip()
	s.resetAnswer()
	s.refresh()
	return s
}

func (s Screen) regather() (common.Screen, tea.Cmd) {
	if s.deps.Decision == nil || s.deps.Decision.Gather == nil || s.gathering {
		return s, nil
	}
	switch s.Phase() {
	case Finished:
		// A new decision on the state the action left: the walk starts
		// again from the top with the engineer's answers kept.
		s.stage, s.rb, s.next = stageDecide, nil, nil
		s.resetVerify()
		s.walk.cursor, s.walk.reviewed = 0, 0
	case GatherFailed, Asking, Recommending:
	default:
		return s, nil
	}
	cmd := s.gather()
	s.refresh()
	return s, cmd
}

// execute carries out the recommendation, or the next step offered after
// a verification.
func (s Screen) execute() (common.Screen, tea.Cmd) {
	if !s.keys().Execute.Enabled() {
		return s, nil
	}
	x := s.exec
	if s.Phase() == Finished {
		x = *s.next
	}
	s.next = nil
	s.resetVerify()
	s.stage = stageExecute
	s.exec = x
	if x.kind == execRollback {
		rb, cmd := rollback.NewWith(s.deps, s.c, s.ref, x.rev, rollback.Options{Why: x.why, Reason: x.reason})
		sized := rb.SetSize(s.width, s.bodyHeight()).(rollback.Screen)
		s.rb = &sized
		s.refresh()
		return s, s.wrapRollback(cmd)
	}
	s.rb = nil
	s.op = opFlow{planner: x.plan}
	cmd := s.planOp()
	s.refresh()
	return s, cmd
}

// leaveExec goes back from an action that has not written anything to
// the recommendation; after the write it goes to the verification.
func (s Screen) leaveExec() common.Screen {
	s.rb, s.op = nil, opFlow{}
	if s.verify.active {
		s.stage = stageVerify
	} else {
		s.stage = stageDecide
	}
	s.refresh()
	return s
}
