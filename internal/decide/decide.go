// Package decide is mayday's decision engine: from evidence about a
// workload (its health, history, rollout state, traffic and ownership) and
// the engineer's answers, it walks a policy — a decision tree kept as data
// — to a recommendation: roll back, fix forward, switch traffic back,
// pause, or keep watching, with the path that led there, the reasons, the
// risks and the expected time to recover.
//
// The engine is pure and deterministic: no I/O, no clock (ages are
// measured from Evidence.Now), the same evidence and answers always give
// the same recommendation. It never guesses: a question that neither the
// evidence nor the engineer answers stops the walk and is reported in
// Recommendation.Missing.
//
// The policy format and the default policy are described in
// docs/decide.md.
package decide

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// Recommendation is the engine's answer. Every string in it is safe to
// print on a terminal (control characters are escaped). Slices are never
// nil, so the JSON form always has the same fields.
type Recommendation struct {
	Workload rollout.Ref `json:"workload"`
	// Policy names the policy that decided.
	Policy string `json:"policy"`
	// At is when the evidence was gathered.
	At time.Time `json:"at,omitzero"`
	// Decided is false when a question needs the engineer (Missing); the
	// outcome, action and target are then empty.
	Decided bool   `json:"decided"`
	Outcome string `json:"outcome,omitempty"`
	Action  Action `json:"action,omitempty"`
	Target  Target `json:"target"`
	// Path is every question on the way, with its answer and where the
	// answer came from.
	Path    []Step   `json:"path"`
	Reasons []string `json:"reasons"`
	Risks   []string `json:"risks"`
	// ExpectedRecovery is how long the action should take to restore
	// service, and why.
	ExpectedRecovery Recovery `json:"expectedRecovery"`
	// Missing holds the question the walk stopped at, unanswered.
	Missing []Question `json:"missing"`
	// Unused are the engineer's answers (QUESTION=ANSWER) to questions
	// not on the path.
	Unused []string `json:"unused"`
}

// Step is one question on the path.
type Step struct {
	Node     string `json:"node"`
	Question string `json:"question"`
	Answer   string `json:"answer"`
	// Source says where the answer came from: the evidence ("health: ✗
	// critical: error ratio 12% > 5% (critical) (prometheus ...)") or the
	// engineer ("answered by alice").
	Source string `json:"source"`
	// Engineer is who answered, when the engineer did.
	Engineer string `json:"engineer,omitempty"`
	// Overridden is set when the engineer's answer replaced a different
	// pre-answer from the evidence; PreAnswer and PreAnswerSource keep
	// what the evidence said whenever the engineer answered.
	Overridden      bool   `json:"overridden"`
	PreAnswer       string `json:"preAnswer,omitempty"`
	PreAnswerSource string `json:"preAnswerSource,omitempty"`
}

// Decide walks the policy from its start: each question is answered by
// the engineer (Evidence.Answers) if they did, else by the evidence; a
// question neither answers stops the walk and is returned in Missing. An
// answer to an unknown question or an answer a question does not take is
// an error (nothing is decided).
func (p *Policy) Decide(ev *Evidence) (Recommendation, error) {
	if ev == nil {
		ev = &Evidence{}
	}
	answers, err := p.checkAnswers(ev.Answers)
	if err != nil {
		return Recommendation{}, err
	}
	who := ev.AnsweredBy
	if who == "" {
		who = "the engineer"
	}
	f := newFacts(ev)
	rec := Recommendation{
		Workload: ev.Workload, Policy: p.source, At: ev.Now,
		Target:           Target{Kind: TargetNone},
		ExpectedRecovery: notKnown("no decision yet"),
		Path:             make([]Step, 0, 12), Reasons: []string{}, Risks: []string{},
		Missing: []Question{}, Unused: []string{},
	}
	onPath := make(map[string]string, 12)
	id := p.start
	for range len(p.nodes) + 1 {
		n := p.nodes[id]
		if n == nil {
			return Recommendation{}, fmt.Errorf("policy %s: no node %q", p.source, id) // a validated policy has none
		}
		if n.o != nil {
			p.conclude(&rec, n, &f, onPath, who)
			break
		}
		q := n.q
		pre := unanswered("no evidence answers this question: it needs your answer")
		if q.hasEv {
			pre = q.ev.fn(&f, q.ev)
		}
		step := Step{Node: q.id, Question: textsafe.String(q.text)}
		if a, ok := answers[q.id]; ok {
			step.Answer, step.Engineer, step.Source = a, who, "answered by "+who
			if pre.ok {
				step.PreAnswer, step.PreAnswerSource = pre.answer, pre.source
				step.Overridden = pre.answer != a
			}
		} else if pre.ok {
			step.Answer, step.Source = pre.answer, pre.source
		} else {
			m := q.export()
			m.Text, m.Why = textsafe.String(m.Text), textsafe.String(pre.why)
			rec.Missing = append(rec.Missing, m)
			break
		}
		step.Answer = textsafe.String(step.Answer)
		step.Source = textsafe.String(step.Source)
		step.Engineer = textsafe.String(step.Engineer)
		step.PreAnswerSource = textsafe.String(step.PreAnswerSource)
		rec.Path = append(rec.Path, step)
		onPath[q.id] = answers[q.id]
		if _, ok := answers[q.id]; !ok {
			onPath[q.id] = pre.answer
		}
		id = q.next(onPath[q.id])
	}
	for _, id := range p.order {
		if a, ok := answers[id]; ok {
			if _, used := onPath[id]; !used {
				rec.Unused = append(rec.Unused, textsafe.String(id+"="+a))
			}
		}
	}
	return rec, nil
}

// checkAnswers validates the engineer's answers and puts them in
// canonical form.
func (p *Policy) checkAnswers(in map[string]string) (map[string]string, error) {
	if len(in) == 0 {
		return nil, nil
	}
	ids := make([]string, 0, len(in))
	for id := range in {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	out := make(map[string]string, len(in))
	var errs []error
	for _, id := range ids {
		v, err := p.CheckAnswer(id, in[id])
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[id] = v
	}
	return out, errors.Join(errs...)
}

func (p *Policy) conclude(rec *Recommendation, n *node, f *facts, answers map[string]string, who string) {
	o := n.o
	rec.Decided, rec.Outcome, rec.Action = true, n.id, o.action
	rec.Target = resolveTarget(o.target, f, answers, who)
	c := renderCtx{f: f, answers: answers, target: rec.Target}
	for i := range o.reasons {
		if s, ok := o.reasons[i].render(&c); ok {
			rec.Reasons = append(rec.Reasons, s)
		}
	}
	for i := range o.risks {
		if s, ok := o.risks[i].render(&c); ok {
			rec.Risks = append(rec.Risks, s)
		}
	}
	if needsTarget(o.action) && rec.Target.Kind == TargetNone {
		rec.Risks = append(rec.Risks, textsafe.String("No target to "+string(o.action)+" to: "+rec.Target.Basis+"."))
	}
	rec.ExpectedRecovery = estimate(o.action, rec.Target, f)
}

func needsTarget(a Action) bool {
	switch a {
	case Rollback, RollbackApp, PartialRollback, Rollforward, BlueGreenSwitch, CanaryRollback:
		return true
	}
	return false
}
