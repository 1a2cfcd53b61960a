package wizard

import (
	"maps"

	"github.com/mayday-tui/mayday/internal/decide"
)

// walk is the engineer's way through the policy: the evidence, their own
// answers, the decision made from both, and the question on screen. It is
// pure: Decide runs in well under a millisecond, so a changed answer is
// decided again at once in Update.
type walk struct {
	policy *decide.Policy
	ev     decide.Evidence
	// answers are the engineer's (overrides and answers to open
	// questions), by question id; actor is who they are.
	answers map[string]string
	actor   string

	rec decide.Recommendation
	err error

	// cursor is the step on screen: an index into rec.Path, or
	// len(rec.Path) for the open question or the outcome. reviewed is how
	// many steps the engineer has gone through; later ones are not shown
	// as passed until they are.
	cursor, reviewed int
}

func newWalk(p *decide.Policy, ev decide.Evidence, actor string) walk {
	w := walk{policy: p, ev: ev, actor: actor, answers: map[string]string{}}
	w.decide()
	return w
}

// decide walks the policy with the evidence and the answers.
func (w *walk) decide() {
	ev := w.ev
	ev.Answers = maps.Clone(w.answers)
	ev.AnsweredBy = w.actor
	w.rec, w.err = w.policy.Decide(&ev)
}

// Evidence is the evidence with the engineer's answers, as decided.
func (w walk) evidence() decide.Evidence {
	ev := w.ev
	ev.Answers = maps.Clone(w.answers)
	ev.AnsweredBy = w.actor
	return ev
}

// step is what is on screen at i.
type step struct {
	// Question is the question (zero at the outcome).
	Question decide.Question
	// Step is the answered step (nil for an open question or the outcome).
	Step *decide.Step
	// Open is set for a question no one has answered.
	Open bool
	// Outcome is set at the end of a decided walk.
	Outcome bool
}

func (w walk) at(i int) step {
	path := w.rec.Path
	switch {
	case i < len(path):
		q, _ := w.policy.Question(path[i].Node)
		return step{Question: q, Step: &path[i]}
	case !w.rec.Decided && len(w.rec.Missing) > 0:
		return step{Question: w.rec.Missing[0], Open: true}
	}
	return step{Outcome: true}
}

func (w walk) current() step { return w.at(w.cursor) }

// evidenceAnswer is what the evidence says for a step, and where from.
func evidenceAnswer(s *decide.Step) (answer, source string, ok bool) {
	if s == nil {
		return "", "", false
	}
	if s.Engineer == "" {
		return s.Answer, s.Source, true
	}
	return s.PreAnswer, s.PreAnswerSource, s.PreAnswer != ""
}

// answer sets the answer of the question on screen and moves on. An
// answer equal to the evidence's is no override: the engineer's answer is
// dropped and the evidence stands. It returns the error of an answer the
// question does not take (nothing changes then).
func (w *walk) answer(value string) error {
	cur := w.current()
	if cur.Outcome {
		return nil
	}
	id := cur.Question.ID
	v, err := w.policy.CheckAnswer(id, value)
	if err != nil {
		return err
	}
	before := ""
	if cur.Step != nil {
		before = cur.Step.Answer
	}
	answers := maps.Clone(w.answers)
	if ev, _, ok := evidenceAnswer(cur.Step); ok && ev == v {
		delete(answers, id)
	} else {
		answers[id] = v
	}
	w.answers = answers
	w.decide()
	if w.err != nil {
		return w.err
	}
	if v != before {
		// The path after this question may be another one: its steps are
		// new to the engineer.
		w.reviewed = w.cursor
	}
	w.cursor++
	w.reviewed = max(w.reviewed, w.cursor)
	return nil
}

// back goes to the previous question.
func (w *walk) back() bool {
	if w.cursor == 0 {
		return false
	}
	w.cursor--
	return true
}

// skip accepts the evidence's answers up to the first open question or
// the outcome.
func (w *walk) skip() {
	w.cursor = len(w.rec.Path)
	w.reviewed = w.cursor
}

// regathered decides with new evidence, keeping the engineer's answers
// and as much of their review as still holds: the steps before the first
// one whose question or answer changed.
func (w *walk) regathered(ev decide.Evidence) {
	old := w.rec.Path
	w.ev = ev
	w.decide()
	same := 0
	for same < len(old) && same < len(w.rec.Path) && old[same].Node == w.rec.Path[same].Node && old[same].Answer == w.rec.Path[same].Answer {
		same++
	}
	if same == len(old) && same == len(w.rec.Path) {
		same = len(w.rec.Path) // the same walk: the outcome stays reviewed
	}
	w.reviewed = min(w.reviewed, same)
	w.cursor = min(w.cursor, w.reviewed)
}

// overrides counts the engineer's answers on the path.
func (w walk) overrides() (overridden, answered int) {
	for _, s := range w.rec.Path {
		if s.Engineer != "" {
			answered++
			if s.Overridden {
				overridden++
			}
		}
	}
	return overridden, answered
}

// atOutcome reports whether the recommendation is on screen.
func (w walk) atOutcome() bool { return w.current().Outcome }
