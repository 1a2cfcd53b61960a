package decide

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"

	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Action is what a recommendation says to do.
type Action string

// The actions.
const (
	// Rollback puts the workload back to an earlier revision.
	Rollback Action = "rollback"
	// RollbackApp rolls every part of the application back to the
	// revisions live at a time.
	RollbackApp Action = "rollback-app"
	// PartialRollback does the same for parts the engineer chooses.
	PartialRollback Action = "partial-rollback"
	// Rollforward deploys a fixed image.
	Rollforward Action = "rollforward"
	// Pause stops a rolling update where it is; Resume lets it finish.
	Pause  Action = "pause"
	Resume Action = "resume"
	// BlueGreenSwitch points the Service back at the old side.
	BlueGreenSwitch Action = "blue-green-switch"
	// CanaryRollback sends all traffic back to the stable version.
	CanaryRollback Action = "canary-rollback"
	// NoAction: nothing is wrong; keep watching.
	NoAction Action = "no-action"
	// Investigate: nothing safe to do yet; find the cause.
	Investigate Action = "investigate"
)

// Actions lists the actions.
func Actions() []Action {
	return []Action{Rollback, RollbackApp, PartialRollback, Rollforward, Pause, Resume, BlueGreenSwitch, CanaryRollback, NoAction, Investigate}
}

// The targets an outcome names.
const (
	targetNone          = "none"
	targetCurrent       = "current"
	targetLastKnownGood = "last-known-good"
	targetPrevious      = "previous"
	targetBeforeDeploy  = "before-deploy"
	targetOldSide       = "old-side"
	targetStable        = "stable"
	targetAnswerPrefix  = "answer:"
)

// targetsFor lists the targets an action accepts, the default first ("" =
// no default).
func targetsFor(a Action) []string {
	switch a {
	case Rollback:
		return []string{targetLastKnownGood, targetPrevious}
	case RollbackApp, PartialRollback:
		return []string{targetBeforeDeploy}
	case Rollforward:
		return []string{"", targetAnswerPrefix + "QUESTION"}
	case BlueGreenSwitch:
		return []string{targetOldSide}
	case CanaryRollback:
		return []string{targetStable}
	case NoAction:
		return []string{targetNone, targetCurrent}
	}
	return []string{targetCurrent, targetNone}
}

// DefaultSource is the name the embedded default policy's errors and
// recommendations carry.
const DefaultSource = "default policy"

//go:embed default.yaml
var defaultYAML string

var defaultPolicy = sync.OnceValue(func() *Policy { // parsed once, never changed
	p, err := parse(DefaultSource, []byte(defaultYAML), nil)
	if err != nil {
		panic("decide: the embedded default policy is invalid: " + err.Error())
	}
	return p
})

// Default is the embedded default policy (docs/decide.md explains it).
func Default() *Policy { return defaultPolicy() }

// DefaultYAML is the default policy's file, to start a team's own from.
func DefaultYAML() []byte { return []byte(defaultYAML) }

// Policy is a validated decision tree: questions whose answers lead to
// other questions or to outcomes. It is immutable and safe for concurrent
// use.
type Policy struct {
	source      string
	description string
	start       string
	nodes       map[string]*node
	order       []string // node ids in file order
}

type node struct {
	id   string
	file string
	line int
	q    *question // exactly one of q and o is set
	o    *outcome
}

func (n *node) section() string {
	if n.q != nil {
		return "questions"
	}
	return "outcomes"
}

func (n *node) field(sub string) string {
	f := n.section() + "." + n.id
	if sub != "" {
		f += "." + sub
	}
	return f
}

type question struct {
	id       string
	text     string
	typ      AnswerType
	choices  []string
	format   string
	evidence string
	ev       evidenceKey
	hasEv    bool
	// edges map an answer (canonical form) to a node id; a text
	// question's single edge has the answer "".
	edges     []edge
	edgesLine int
}

type edge struct {
	answer, to string
	line       int
}

func (q *question) next(answer string) string {
	if q.typ == Text {
		answer = ""
	}
	for _, e := range q.edges {
		if e.answer == answer {
			return e.to
		}
	}
	return ""
}

type outcome struct {
	action     Action
	target     string
	targetLine int
	reasons    []line
	risks      []line
}

// Source names where the policy came from: DefaultSource, a file, or a
// file extending the default.
func (p *Policy) Source() string { return p.source }

// Description is the policy's own one-line description.
func (p *Policy) Description() string { return p.description }

// Start is the id of the first question.
func (p *Policy) Start() string { return p.start }

// Question is a question of a policy, as shown to the engineer.
type Question struct {
	ID   string     `json:"id"`
	Text string     `json:"text"`
	Type AnswerType `json:"type"`
	// Values are the answers it takes (none for text questions).
	Values []string `json:"values,omitempty"`
	// Format is FormatImage for an image reference.
	Format string `json:"format,omitempty"`
	// Evidence is the evidence key that pre-answers it, if any.
	Evidence string `json:"evidence,omitempty"`
	// Why says why the evidence did not answer it (in
	// Recommendation.Missing).
	Why string `json:"why,omitempty"`
}

func (q *question) export() Question {
	return Question{ID: q.id, Text: q.text, Type: q.typ, Values: slices.Clone(q.values()), Format: q.format, Evidence: q.evidence}
}

// Question returns the question with the id.
func (p *Policy) Question(id string) (Question, bool) {
	n, ok := p.nodes[id]
	if !ok || n.q == nil {
		return Question{}, false
	}
	return n.q.export(), true
}

// Questions lists the questions in file order.
func (p *Policy) Questions() []Question {
	var out []Question
	for _, id := range p.order {
		if q := p.nodes[id].q; q != nil {
			out = append(out, q.export())
		}
	}
	return out
}

// Outcome is an outcome of a policy.
type Outcome struct {
	ID     string `json:"id"`
	Action Action `json:"action"`
	// Target is how the target is chosen: last-known-good, previous,
	// before-deploy, old-side, stable, current, none or answer:QUESTION.
	Target string `json:"target"`
}

// Outcomes lists the outcomes in file order.
func (p *Policy) Outcomes() []Outcome {
	var out []Outcome
	for _, id := range p.order {
		if o := p.nodes[id].o; o != nil {
			out = append(out, Outcome{ID: id, Action: o.action, Target: o.target})
		}
	}
	return out
}

// LoadPolicy reads a policy file's contents. A file with "extends:
// default" adds to and overrides the default policy by node id; any other
// replaces it. An invalid file gives the default policy together with an
// error naming every problem with its file, line and node, so the caller
// can show it and go on.
func LoadPolicy(file string, data []byte) (*Policy, error) {
	p, err := parse(file, data, Default())
	if err != nil {
		return Default(), err
	}
	return p, nil
}

var nodeID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`) // compiled once, never changed

// problems collects errors at nodes of any file (an extension's changes
// can break a default node).
type problems struct {
	errs []error
}

func (ps *problems) add(file string, line int, field, format string, args ...any) {
	ps.errs = append(ps.errs, &yamlfields.FieldError{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

func parse(file string, data []byte, base *Policy) (*Policy, error) {
	doc, root, err := yamlfields.Parse(file, data)
	if err != nil {
		return nil, err
	}
	var ps problems
	root.Known("version", "description", "extends", "start", "questions", "outcomes")
	if v, ok := root.String("version"); ok && v != "1" {
		root.Errorf("version", "%q is not a policy version this mayday reads (1)", v)
	}
	p := &Policy{source: file, nodes: map[string]*node{}}
	p.description, _ = root.String("description")
	extends := ""
	if ext, ok := root.String("extends"); ok {
		switch {
		case base == nil:
			root.Errorf("extends", "the default policy extends nothing")
		case ext != "default":
			root.Errorf("extends", "%q: a policy can only extend the default (extends: default)", ext)
		default:
			extends = ext
		}
	}
	startLine := 0
	if s, ok := root.String("start"); ok {
		p.start, startLine = s, root.Line("start")
	}
	own := readNodes(file, root)
	for _, n := range own {
		p.nodes[n.id] = n
		p.order = append(p.order, n.id)
	}
	inherited := map[string]bool{}
	if extends != "" {
		p.source = file + " (extends the default)"
		merged := map[string]*node{}
		var order []string
		for _, id := range base.order {
			merged[id] = base.nodes[id]
			inherited[id] = true
			order = append(order, id)
		}
		for _, id := range p.order {
			if !inherited[id] {
				order = append(order, id)
			}
			delete(inherited, id)
			merged[id] = p.nodes[id]
		}
		p.nodes, p.order = merged, order
		if p.start == "" {
			p.start = base.start
		}
	}
	p.validate(file, startLine, inherited, &ps)
	all := append(unjoin(doc.Err()), ps.errs...)
	if len(all) > 0 {
		slices.SortStableFunc(all, func(a, b error) int {
			var fa, fb *yamlfields.FieldError
			if !errors.As(a, &fa) || !errors.As(b, &fb) {
				return 0
			}
			if fa.File != fb.File { // the file's own problems first
				if fa.File == file {
					return -1
				}
				if fb.File == file {
					return 1
				}
			}
			return fa.Line - fb.Line
		})
		return nil, errors.Join(all...)
	}
	return p, nil
}

func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

// readNodes reads the questions and outcomes sections. Nodes with
// problems are still returned (so references to them are not reported
// as unknown); their problems are recorded in the document.
func readNodes(file string, root yamlfields.Mapping) []*node {
	type seenAt struct {
		section string
		line    int
	}
	seen := map[string]seenAt{}
	var out []*node
	for _, section := range []string{"questions", "outcomes"} {
		m, ok := root.Map(section)
		if !ok {
			continue
		}
		mn := m.Node()
		for i := 0; i+1 < len(mn.Content); i += 2 {
			k, v := mn.Content[i], mn.Content[i+1]
			for v.Kind == yaml.AliasNode {
				v = v.Alias
			}
			id := k.Value
			e := yamlfields.Entry{Key: id, KeyN: k, Value: v}
			if prev, dup := seen[id]; dup {
				if prev.section == section {
					m.ErrorfAt(e, "duplicate node id %q (first defined on line %d)", id, prev.line)
				} else {
					m.ErrorfAt(e, "duplicate node id %q (also a question, line %d)", id, prev.line)
				}
				continue
			}
			seen[id] = seenAt{section, k.Line}
			if !nodeID.MatchString(id) {
				m.ErrorfAt(e, "%q is not a node id (letters, digits, '-', '_' and '.')", id)
				continue
			}
			n := &node{id: id, file: file, line: k.Line}
			nm, isMap := m.MapAt(e)
			if section == "questions" {
				n.q = &question{id: id}
				if isMap {
					readQuestion(n.q, nm)
				}
			} else {
				n.o = &outcome{}
				if isMap {
					readOutcome(n.o, nm)
				}
			}
			out = append(out, n)
		}
	}
	return out
}

func readQuestion(q *question, m yamlfields.Mapping) {
	m.Known("text", "type", "choices", "format", "evidence", "answers", "next")
	if t, ok := m.String("text"); ok && strings.TrimSpace(t) != "" {
		q.text = t
	} else {
		m.Errorf("text", "missing: write the question for the engineer")
	}
	typ, ok := m.String("type")
	switch {
	case !ok:
		m.Errorf("type", "missing: bool, choice, text or severity")
	case !slices.Contains(AnswerTypes(), AnswerType(typ)):
		m.Errorf("type", "%q is not an answer type (bool, choice, text or severity)", typ)
	default:
		q.typ = AnswerType(typ)
	}
	if choices, ok := m.StringList("choices"); ok {
		if q.typ != Choice {
			m.Errorf("choices", "only a choice question has choices")
		}
		for _, c := range choices {
			switch {
			case !nodeID.MatchString(c):
				m.Errorf("choices", "%q is not a choice (letters, digits, '-', '_' and '.')", c)
			case slices.Contains(q.choices, c):
				m.Errorf("choices", "%q is listed twice", c)
			default:
				q.choices = append(q.choices, c)
			}
		}
	}
	if q.typ == Choice && len(q.choices) < 2 {
		m.Errorf("choices", "a choice question needs at least two choices")
	}
	if f, ok := m.String("format"); ok {
		switch {
		case q.typ != Text:
			m.Errorf("format", "only a text question has a format")
		case f != FormatImage && f != "text":
			m.Errorf("format", "%q is not a format (image or text)", f)
		case f == FormatImage:
			q.format = f
		}
	}
	if key, ok := m.String("evidence"); ok {
		ek, err := lookupEvidence(key)
		switch {
		case err != nil:
			m.Errorf("evidence", "%v", err)
		case q.typ == "":
		case ek.typ != q.typ:
			m.Errorf("evidence", "%s answers %s, but the question's type is %s", key, typeAnswers(ek.typ, ek.values), q.typ)
		case q.typ == Choice:
			for _, v := range ek.values {
				if !slices.Contains(q.choices, v) {
					m.Errorf("evidence", "%s can answer %q, which is not one of the choices", key, v)
				}
			}
		}
		if err == nil {
			q.evidence, q.ev, q.hasEv = key, ek, true
		}
	}
	if q.typ == Text {
		if m.Has("answers") {
			m.Errorf("answers", "a text question has no answers to branch on: name the next node with next:")
		}
		if to, ok := m.String("next"); ok {
			q.edges = []edge{{answer: "", to: to, line: m.Line("next")}}
		} else {
			m.Errorf("next", "missing: name the node that follows the answer")
		}
		return
	}
	if m.Has("next") {
		m.Errorf("next", "only a text question has next: branch with answers:")
	}
	am, ok := m.Map("answers")
	if !ok {
		if q.typ != "" {
			m.Errorf("answers", "missing: name the node each answer leads to (%s)", strings.Join(q.values(), ", "))
		}
		return
	}
	q.edgesLine = am.Node().Line
	for _, e := range am.Entries() {
		if q.typ == "" {
			// The type is wrong: keep the edges as written, so the nodes
			// they lead to are not reported unreachable as well.
			if e.Value.Kind == yaml.ScalarNode {
				q.edges = append(q.edges, edge{answer: e.Key, to: e.Value.Value, line: e.KeyN.Line})
			}
			continue
		}
		v, err := q.normalize(e.Key)
		if err != nil {
			am.ErrorfAt(e, "%q is not an answer to a %s question (%s)", e.Key, q.typ, strings.Join(q.values(), ", "))
			continue
		}
		if to := q.next(v); to != "" {
			am.ErrorfAt(e, "answer %q has two edges", v)
			continue
		}
		if e.Value.Kind != yaml.ScalarNode || e.Value.Value == "" {
			am.ErrorfAt(e, "expected the id of the next node")
			continue
		}
		q.edges = append(q.edges, edge{answer: v, to: e.Value.Value, line: e.KeyN.Line})
	}
	for _, v := range q.values() {
		if q.next(v) == "" {
			m.Errorf("answers", "missing an edge for answer %q", v)
		}
	}
}

func typeAnswers(t AnswerType, values []string) string {
	switch t {
	case Bool:
		return "yes or no"
	case Severity:
		return "critical or minor"
	case Choice:
		return orList(values)
	}
	return "text"
}

func readOutcome(o *outcome, m yamlfields.Mapping) {
	m.Known("action", "target", "reasons", "risks")
	a, ok := m.String("action")
	switch {
	case !ok:
		m.Errorf("action", "missing: one of %s", actionList())
	case !slices.Contains(Actions(), Action(a)):
		msg := fmt.Sprintf("%q is not an action", a)
		names := make([]string, 0, len(Actions()))
		for _, x := range Actions() {
			names = append(names, string(x))
		}
		if s := yamlfields.Closest(a, names); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		} else {
			msg += " (" + actionList() + ")"
		}
		m.Errorf("action", "%s", msg)
	default:
		o.action = Action(a)
	}
	if t, ok := m.String("target"); ok {
		o.target, o.targetLine = t, m.Line("target")
		if o.action != "" && !targetFits(o.action, t) {
			m.Errorf("target", "%q is not a target of %s (%s)", t, o.action, strings.Join(slices.DeleteFunc(targetsFor(o.action), func(s string) bool { return s == "" }), ", "))
		}
	} else if o.action != "" {
		o.target = targetsFor(o.action)[0]
		if o.target == "" {
			m.Errorf("target", "missing: %s needs answer:QUESTION, the text question whose answer is the image", o.action)
		}
	}
	o.reasons = readLines(m, "reasons")
	o.risks = readLines(m, "risks")
}

func targetFits(a Action, t string) bool {
	if a == Rollforward {
		id, ok := strings.CutPrefix(t, targetAnswerPrefix)
		return ok && id != ""
	}
	return t != "" && slices.Contains(targetsFor(a), t)
}

func actionList() string {
	names := make([]string, 0, len(Actions()))
	for _, a := range Actions() {
		names = append(names, string(a))
	}
	return strings.Join(names, ", ")
}

// readLines reads a list of lines: each a string, or a mapping with text
// and when.
func readLines(m yamlfields.Mapping, key string) []line {
	if !m.Has(key) {
		return nil
	}
	n := m.Node()
	var list *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			list = n.Content[i+1]
		}
	}
	for list != nil && list.Kind == yaml.AliasNode {
		list = list.Alias
	}
	if list == nil || list.Kind != yaml.SequenceNode {
		m.Errorf(key, "expected a list of lines")
		return nil
	}
	var out []line
	for i, item := range list.Content {
		for item.Kind == yaml.AliasNode {
			item = item.Alias
		}
		at := yamlfields.Entry{Key: fmt.Sprintf("%s[%d]", key, i), KeyN: item, Value: item}
		l := line{line: item.Line}
		text := ""
		switch item.Kind {
		case yaml.ScalarNode:
			text = item.Value
		case yaml.MappingNode:
			im, _ := m.MapAt(yamlfields.Entry{Key: fmt.Sprintf("%s[%d]", key, i), KeyN: item, Value: item})
			im.Known("text", "when")
			t, ok := im.String("text")
			if !ok {
				im.Errorf("text", "missing: the line to show")
				continue
			}
			text = t
			if conds, ok := im.StringList("when"); ok {
				for _, c := range conds {
					id, v, ok := strings.Cut(c, "=")
					if !ok || id == "" || v == "" {
						im.Errorf("when", "%q: write a condition as QUESTION=ANSWER, for example severity=critical", c)
						continue
					}
					l.when = append(l.when, cond{id: strings.TrimSpace(id), value: strings.TrimSpace(v), line: im.Line("when")})
				}
			}
		default:
			m.ErrorfAt(at, "expected a line of text, or text: with when:")
			continue
		}
		parts, err := parseLine(text)
		if err != nil {
			m.ErrorfAt(at, "%v", err)
			continue
		}
		l.parts = parts
		out = append(out, l)
	}
	return out
}
