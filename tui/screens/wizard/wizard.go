// Package wizard is the decision wizard that w opens on a workload: it
// gathers the workload's evidence off the update loop, walks the decision
// policy one question at a time with each answer pre-filled from the
// evidence (and where it came from), lets the engineer accept or override
// any answer and answer what the evidence cannot, shows the
// recommendation with its reasons and risks, then carries it out — plan,
// server dry run, confirmation, execution — and verifies it: the rollout
// completes (or the traffic moves) and the health verdict recovers within
// the bake time. A rollback runs in the rollback flow, embedded; actions
// the console cannot run are shown as the command to run.
package wizard

import (
	"strconv"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/viewport"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/keys"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
)

// Phase is where the wizard is.
type Phase int

const (
	Gathering    Phase = iota // reading the evidence for the first time
	GatherFailed              // the evidence could not be read
	Asking                    // a question is on screen
	Recommending              // the recommendation is on screen
	Executing                 // the action's plan, dry run, confirmation or write
	Verifying                 // watching the rollout (or traffic) and health
	Finished                  // verification ended, verified or not
)

func (p Phase) String() string {
	return [...]string{"gathering", "gather failed", "asking", "recommending", "executing", "verifying", "finished"}[p]
}

// stage is the wizard's own progress, finer than Phase for the view.
type stage int

const (
	stageGather stage = iota
	stageDecide
	stageExecute
	stageVerify
)

// Screen is the wizard for one workload.
type Screen struct {
	c     *common.Common
	deps  common.Deps
	ref   rollout.Ref
	token string
	stage stage

	gatherSeq  int
	gathering  bool
	asked      time.Time // when the evidence was last asked for
	gathered   *evidence.Gathered
	gatheredAt time.Time
	gatherErr  error
	// changed says the cache saw the workload change after the evidence
	// was read (r reads it again).
	changed bool

	walk walk
	// choice is the highlighted answer of a question with values; typed
	// is the text answer being written; answerErr why an answer was
	// refused.
	choice    int
	typed     string
	answerErr string

	exec execution
	// rb is the embedded rollback flow (nil for other actions).
	rb *rollback.Screen
	op opFlow
	// next is the step offered after verification (a failed rollforward
	// falls back to a rollback).
	next *execution

	verify verification

	vp            viewport.Model
	vpPhase       Phase // what the viewport holds
	width, height int
}

// New returns the wizard and its first command: the evidence.
func New(deps common.Deps, c *common.Common, ref rollout.Ref) (Screen, tea.Cmd) {
	s := Screen{
		c: c, deps: deps, ref: ref,
		token: ref.String() + "@" + strconv.FormatInt(c.Now().UnixNano(), 10),
		vp:    viewport.New(),
	}
	s.vp.SoftWrap = true
	s.vp.KeyMap = viewport.KeyMap{}
	if deps.Decision == nil || deps.Decision.Gather == nil {
		s.gatherErr = errNoDecision
		return s, nil
	}
	return s, s.gather()
}

type wizardError string

func (e wizardError) Error() string { return string(e) }

const errNoDecision = wizardError("this console has no evidence source to decide with")

// gather asks for the evidence (again).
func (s *Screen) gather() tea.Cmd {
	s.gatherSeq++
	s.gathering = true
	s.asked = s.c.Now()
	return gather(s.deps, s.token, s.gatherSeq, s.ref)
}

// Phase is where the wizard is.
func (s Screen) Phase() Phase {
	switch s.stage {
	case stageGather:
		if s.gatherErr != nil && !s.gathering {
			return GatherFailed
		}
		return Gathering
	case stageDecide:
		if s.walk.atOutcome() {
			return Recommending
		}
		return Asking
	case stageExecute:
		return Executing
	}
	if s.verify.done != nil {
		return Finished
	}
	return Verifying
}

// Workload is the workload decided about.
func (s Screen) Workload() rollout.Ref { return s.ref }

// Recommendation is the decision as it stands (zero before the evidence).
func (s Screen) Recommendation() decide.Recommendation { return s.walk.rec }

// Answers are the engineer's answers by question id.
func (s Screen) Answers() map[string]string { return s.walk.answers }

// Question is the question on screen (zero at the recommendation).
func (s Screen) Question() decide.Question { return s.walk.current().Question }

// Rollback is the embedded rollback flow, when one runs.
func (s Screen) Rollback() (rollback.Screen, bool) {
	if s.rb == nil {
		return rollback.Screen{}, false
	}
	return *s.rb, true
}

// Verified reports the verification's end: ok is false until it ended.
func (s Screen) Verified() (verified, ok bool) {
	if s.verify.done == nil {
		return false, false
	}
	return s.verify.done.verified, true
}

// Title names the screen.
func (s Screen) Title() string { return "decide " + textsafe.String(s.ref.String()) }

// KeyMap is the keys that apply now.
func (s Screen) KeyMap() help.KeyMap {
	if s.rb != nil && s.stage == stageExecute {
		return s.rb.KeyMap()
	}
	return s.keys()
}

// keys is the wizard's key map with what does not apply now disabled.
func (s Screen) keys() keys.Wizard {
	k := s.c.Keys.Wizard
	ph := s.Phase()
	asking, recommending := ph == Asking, ph == Recommending
	cur := s.walk.current()
	if !asking || cur.Question.Type == decide.Text {
		k.Up.SetEnabled(recommending)
		k.Down.SetEnabled(recommending)
		if recommending {
			k.Up.SetHelp(k.Up.Help().Key, "scroll up")
			k.Down.SetHelp(k.Down.Help().Key, "scroll down")
		}
	}
	k.Accept.SetEnabled(asking)
	k.Skip.SetEnabled(asking && !cur.Open)
	k.Previous.SetEnabled((asking || recommending) && s.walk.cursor > 0)
	if asking && cur.Question.Type == decide.Text {
		// Left moves in the text being typed.
		k.Previous.SetKeys(without(k.Previous.Keys(), "left")...)
	}
	k.PageUp.SetEnabled(recommending || ph == Executing && s.rb == nil)
	k.PageDown.SetEnabled(recommending || ph == Executing && s.rb == nil)
	k.Execute.SetEnabled(k.Execute.Enabled() && s.canExecute())
	if ph == Finished && s.next != nil {
		k.Execute.SetHelp(k.Execute.Help().Key, s.next.label)
	}
	if ph == Executing && s.rb == nil {
		k.Execute.SetEnabled(false)
	}
	k.Regather.SetEnabled(ph == Asking || ph == Recommending || ph == GatherFailed || ph == Finished)
	return k
}

func without(ks []string, drop string) []string {
	var out []string
	for _, k := range ks {
		if k != drop {
			out = append(out, k)
		}
	}
	return out
}

// canExecute reports whether x runs something now.
func (s Screen) canExecute() bool {
	switch s.Phase() {
	case Recommending:
		return s.walk.rec.Decided && s.actionable(s.exec)
	case Finished:
		return s.next != nil && s.actionable(*s.next)
	}
	return false
}

// actionable: the console can run x (else it shows the command).
func (s Screen) actionable(x execution) bool {
	switch x.kind {
	case execRollback:
		return s.deps.Actions != nil
	case execOp:
		return s.deps.Decision != nil && s.deps.Decision.Ops != nil
	}
	return false
}

// CapturesInput is true while a text answer or the workload's name (a
// production confirmation) is typed.
func (s Screen) CapturesInput() bool {
	switch s.Phase() {
	case Asking:
		return s.walk.current().Question.Type == decide.Text
	case Executing:
		if s.rb != nil {
			return s.rb.CapturesInput()
		}
		return s.op.typing(s.c)
	}
	return false
}

// Commands lists the palette entries.
func (s Screen) Commands() []common.Command {
	k := s.keys()
	var out []common.Command
	if s.rb != nil && s.stage == stageExecute {
		for _, c := range s.rb.Commands() {
			if _, back := c.Msg.(common.BackMsg); !back {
				out = append(out, c)
			}
		}
		return append(out, common.Command{Title: "Back to the recommendation", Keys: s.c.Keys.Global.Back.Help().Key, Msg: leaveExecMsg{}})
	}
	if k.Execute.Enabled() {
		title := "Execute: " + s.exec.label
		if s.Phase() == Finished && s.next != nil {
			title = "Next step: " + s.next.label
		}
		out = append(out, common.Command{Title: title, Keys: k.Execute.Help().Key, Msg: executeMsg{}})
	}
	if k.Skip.Enabled() {
		out = append(out, common.Command{Title: "Accept the evidence's answers up to the next open question", Keys: k.Skip.Help().Key, Msg: skipMsg{}})
	}
	if k.Regather.Enabled() {
		out = append(out, common.Command{Title: "Gather the evidence again and decide", Keys: k.Regather.Help().Key, Msg: regatherMsg{}})
	}
	return append(out, common.Command{Title: "Leave the wizard", Keys: s.c.Keys.Global.Back.Help().Key, Msg: common.BackMsg{}})
}

type (
	executeMsg   struct{}
	skipMsg      struct{}
	regatherMsg  struct{}
	leaveExecMsg struct{}
)

// SetSize sizes the body and the embedded flow.
func (s Screen) SetSize(w, h int) common.Screen {
	s.width, s.height = max(w, 0), max(h, 0)
	if s.rb != nil {
		rb := s.rb.SetSize(s.width, s.bodyHeight()).(rollback.Screen)
		s.rb = &rb
	}
	s.refresh()
	return s
}
