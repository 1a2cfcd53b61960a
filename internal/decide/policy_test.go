package decide

import (
	"os"
	"slices"
	"strings"
	"testing"
)

func TestDefaultPolicyIsValid(t *testing.T) {
	p, err := LoadPolicy("default.yaml", DefaultYAML())
	if err != nil {
		t.Fatal(err)
	}
	if p.Start() != "issue" || len(p.Questions()) != 18 || len(p.Outcomes()) != 10 {
		t.Errorf("start %q, %d questions, %d outcomes", p.Start(), len(p.Questions()), len(p.Outcomes()))
	}
	if Default().Source() != DefaultSource {
		t.Errorf("source = %q", Default().Source())
	}
	// Every action except none is an outcome of the default.
	var actions []Action
	for _, o := range Default().Outcomes() {
		actions = append(actions, o.Action)
	}
	for _, a := range Actions() {
		if !slices.Contains(actions, a) {
			t.Errorf("the default policy never recommends %s", a)
		}
	}
}

// TestPolicyErrors: one file with every kind of mistake; each is reported
// with the file, the line and the node.
func TestPolicyErrors(t *testing.T) {
	src := `version: 1
start: issue
questions:
  issue:
    text: Is something wrong?
    type: bool
    evidence: issue
    answers:
      yes: severity
      no: watch
  severity:
    text: How bad?
    type: severity
    answers:
      critical: confirm
  confirm:
    text: Sure?
    type: bool
    answers:
      yes: severity
      no: roll-back
  size:
    text: How big?
    type: number
  orphan:
    text: Never asked
    type: bool
    answers:
      yes: wach
      no: watch
  issue:
    text: again
    type: bool
outcomes:
  watch:
    action: no-action
  roll-back:
    action: rollback
`
	p, err := LoadPolicy("team.yaml", []byte(src))
	if err == nil {
		t.Fatal("no error")
	}
	if p != Default() {
		t.Error("an invalid policy does not give the default")
	}
	want := []string{
		`team.yaml:15: questions.severity.answers: missing an edge for answer "minor"`,
		`team.yaml:20: questions.confirm.answers.yes: cycle: severity → confirm → severity`,
		`team.yaml:22: questions.size: unreachable: no answer leads here from start "issue"`,
		`team.yaml:24: questions.size.type: "number" is not an answer type (bool, choice, text or severity)`,
		`team.yaml:25: questions.orphan: unreachable: no answer leads here from start "issue"`,
		`team.yaml:29: questions.orphan.answers.yes: unknown node "wach" (did you mean "watch"?)`,
		`team.yaml:31: questions.issue: duplicate node id "issue" (first defined on line 4)`,
	}
	if got := strings.Split(err.Error(), "\n"); !slices.Equal(got, want) {
		t.Errorf("errors\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(want, "\n     "))
	}
}

func TestPolicySyntaxError(t *testing.T) {
	p, err := LoadPolicy("team.yaml", []byte("start: issue\nquestions:\n  issue: [\n"))
	if err == nil || !strings.Contains(err.Error(), "team.yaml: yaml: line") {
		t.Errorf("err = %v", err)
	}
	if p != Default() {
		t.Error("no default on a syntax error")
	}
}

func TestPolicyFieldErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src, want string
	}{
		{"missing start", `questions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}
outcomes: {o: {action: no-action}}`, `team.yaml: start: missing: name the first question`},
		{"start unknown", "start: isue\nquestions: {issue: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes: {o: {action: no-action}}",
			`team.yaml:1: start: unknown node "isue" (did you mean "issue"?)`},
		{"start at an outcome", "start: o\noutcomes: {o: {action: no-action}}", `team.yaml:1: start: "o" is an outcome: start at a question`},
		{"missing type", "start: a\nquestions:\n  a:\n    text: A\n    answers: {yes: o, no: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:4: questions.a.type: missing: bool, choice, text or severity`},
		{"missing text", "start: a\nquestions:\n  a:\n    type: bool\n    answers: {yes: o, no: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:4: questions.a.text: missing: write the question for the engineer`},
		{"unknown evidence", "start: a\nquestions:\n  a:\n    text: A\n    type: bool\n    evidence: gitop\n    answers: {yes: o, no: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:6: questions.a.evidence: unknown evidence "gitop" (did you mean "gitops"?)`},
		{"evidence of another type", "start: a\nquestions:\n  a:\n    text: A\n    type: bool\n    evidence: severity\n    answers: {yes: o, no: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:6: questions.a.evidence: severity answers critical or minor, but the question's type is bool`},
		{"choice evidence not covered", "start: a\nquestions:\n  a:\n    text: A\n    type: choice\n    choices: [canary, rolling]\n    evidence: traffic\n    answers: {canary: o, rolling: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:7: questions.a.evidence: traffic can answer "blue-green", which is not one of the choices`},
		{"bad duration", "start: a\nquestions:\n  a:\n    text: A\n    type: bool\n    evidence: deployed-within:soon\n    answers: {yes: o, no: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:6: questions.a.evidence: deployed-within needs a positive duration such as 30m or 2h, got "soon"`},
		{"answer not of the type", "start: a\nquestions:\n  a:\n    text: A\n    type: bool\n    answers: {yes: o, no: o, maybe: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:6: questions.a.answers.maybe: "maybe" is not an answer to a bool question (yes, no)`},
		{"two edges for one answer", "start: a\nquestions:\n  a:\n    text: A\n    type: bool\n    answers:\n      yes: o\n      true: o\n      no: o\noutcomes: {o: {action: no-action}}",
			`team.yaml:8: questions.a.answers.true: answer "yes" has two edges`},
		{"text question with answers", "start: a\nquestions:\n  a:\n    text: A\n    type: text\n    answers: {yes: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:6: questions.a.answers: a text question has no answers to branch on: name the next node with next:`},
		{"choice without choices", "start: a\nquestions:\n  a:\n    text: A\n    type: choice\n    answers: {x: o}\noutcomes: {o: {action: no-action}}",
			`team.yaml:4: questions.a.choices: a choice question needs at least two choices`},
		{"unknown action", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: rolback",
			`team.yaml:5: outcomes.o.action: "rolback" is not an action (did you mean "rollback"?)`},
		{"target not of the action", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: rollback\n    target: old-side",
			`team.yaml:6: outcomes.o.target: "old-side" is not a target of rollback (last-known-good, previous)`},
		{"rollforward without an image", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: rollforward",
			`team.yaml:5: outcomes.o.target: missing: rollforward needs answer:QUESTION, the text question whose answer is the image`},
		{"image from a bool question", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: rollforward\n    target: answer:a",
			`team.yaml:6: outcomes.o.target: "a" is a bool question: the image comes from a text question`},
		{"image not always asked", `start: a
questions:
  a: {text: A, type: bool, answers: {yes: img, no: o}}
  img: {text: "Image?", type: text, format: image, next: o}
outcomes:
  o:
    action: rollforward
    target: answer:img`,
			`team.yaml:8: outcomes.o.target: img is not asked on every way here (a → o)`},
		{"unknown placeholder", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: no-action\n    reasons:\n      - \"all fine on {workoad}\"",
			`team.yaml:7: outcomes.o.reasons[0]: unknown placeholder {workoad} (did you mean {workload}?)`},
		{"unclosed brace", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: no-action\n    risks:\n      - \"{workload\"",
			`team.yaml:7: outcomes.o.risks[0]: unclosed { (write {{ for a literal brace)`},
		{"condition on an unknown question", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: no-action\n    reasons:\n      - text: hi\n        when: b=yes",
			`team.yaml:8: outcomes.o.reasons[0].when: unknown question "b"`},
		{"condition with a bad answer", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: no-action\n    reasons:\n      - text: hi\n        when: a=perhaps",
			`team.yaml:8: outcomes.o.reasons[0].when: a: "perhaps" is not an answer: answer yes or no`},
		{"answer placeholder of an unknown question", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: o, no: o}}}\noutcomes:\n  o:\n    action: no-action\n    reasons: [\"{answer:b}\"]",
			`team.yaml:6: outcomes.o.reasons[0]: {answer:b}: unknown question`},
		{"unknown setting", "start: a\nquestion: {}\n", `team.yaml:2: question: unknown setting (did you mean "questions"?)`},
		{"bad version", "version: 2\nstart: a\n", `team.yaml:1: version: "2" is not a policy version this mayday reads (1)`},
		{"bad node id", "start: a\nquestions:\n  \"a b\": {text: A, type: bool}\n", `team.yaml:3: questions.a b: "a b" is not a node id`},
		{"id used twice across sections", "start: a\nquestions: {a: {text: A, type: bool, answers: {yes: a, no: a}}}\noutcomes:\n  a:\n    action: no-action",
			`team.yaml:4: outcomes.a: duplicate node id "a" (also a question, line 2)`},
		{"extends something else", "extends: strict\nstart: a\n", `team.yaml:1: extends: "strict": a policy can only extend the default (extends: default)`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadPolicy("team.yaml", []byte(tc.src))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error\n got %v\nwant %s", err, tc.want)
			}
		})
	}
}

func TestReplacingPolicy(t *testing.T) {
	src := `description: Roll back on anything.
start: bad
questions:
  bad:
    text: Is it bad?
    type: bool
    evidence: issue
    answers: {yes: back, no: fine}
outcomes:
  back:
    action: rollback
    target: previous
    reasons: ["Policy: always roll {workload} back, to {target}."]
  fine:
    action: no-action
`
	p, err := LoadPolicy("team.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := p.Decide(incident())
	if err != nil {
		t.Fatal(err)
	}
	if rec.Action != Rollback || rec.Target.Revision != 5 || rec.Policy != "team.yaml" || p.Description() != "Roll back on anything." {
		t.Errorf("rec = %+v", rec)
	}
	if want := []string{"Policy: always roll deployment/checkout back, to revision 5."}; !slices.Equal(rec.Reasons, want) {
		t.Errorf("reasons = %q", rec.Reasons)
	}
	if _, ok := p.Question("severity"); ok {
		t.Error("a replacing policy keeps the default's questions")
	}
	if _, _, err := p.ParseAnswer("quick-fix=yes"); err == nil {
		t.Error("an answer to a question of the default accepted by a replacing policy")
	}
}

// docExtension is the example of docs/decide.md.
func docExtension(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile("../../docs/decide.md")
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(data), "```yaml\n# ~/.config/mayday/decide.yaml\n")
	if !ok {
		t.Fatal("docs/decide.md has no extension example")
	}
	src, _, ok := strings.Cut(rest, "```")
	if !ok {
		t.Fatal("unterminated example")
	}
	return src
}

func TestExtendingTheDefault(t *testing.T) {
	p, err := LoadPolicy("decide.yaml", []byte(docExtension(t)))
	if err != nil {
		t.Fatalf("the docs example is invalid: %v", err)
	}
	if p.Source() != "decide.yaml (extends the default)" {
		t.Errorf("source = %q", p.Source())
	}
	// A deploy from yesterday is investigated, not rolled back.
	ev := incident()
	ev.DeployedAt = now.Add(-30 * 60 * 60e9)
	rec, err := p.Decide(ev)
	if err != nil {
		t.Fatal(err)
	}
	if rec.Outcome != "old-deploy" || rec.Action != Investigate {
		t.Errorf("old deploy: outcome %q action %q path %q", rec.Outcome, rec.Action, path(rec))
	}
	want := p2("issue=yes traffic=rolling paused=no earlier-revision=yes migration=no gitops=no target-healthy=yes recent=no")
	if got := path(rec); !slices.Equal(got, want) {
		t.Errorf("path %q, want %q", got, want)
	}
	// A fresh one still follows the default.
	rec, err = p.Decide(incident())
	if err != nil || rec.Outcome != "rollback" {
		t.Errorf("fresh deploy: %q %v (path %q)", rec.Outcome, err, path(rec))
	}
	// Minor issues go straight to a rollback: the default's quick-fix
	// questions are no longer reachable and are dropped.
	ev = incident()
	degraded(ev)
	rec, err = p.Decide(ev)
	if err != nil || rec.Outcome != "rollback" {
		t.Errorf("minor: %q %v (path %q)", rec.Outcome, err, path(rec))
	}
	if _, ok := p.Question("quick-fix"); ok {
		t.Error("unreachable default question kept")
	}
	if _, ok := p.Question("forward-fix"); !ok {
		t.Error("reachable default question dropped")
	}
	// The default itself is untouched.
	if _, ok := Default().Question("quick-fix"); !ok || Default().Start() != "issue" {
		t.Error("extending changed the default")
	}
}

func p2(s string) []string { return strings.Fields(s) }

func TestExtensionErrors(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string
	}{
		{
			name: "new node unreachable",
			src: `extends: default
questions:
  on-call-lead:
    text: Did the on-call lead agree?
    type: bool
    answers: {yes: rollback, no: investigate}
`,
			want: []string{`decide.yaml:3: questions.on-call-lead: unreachable: no answer leads here from start "issue"`},
		},
		{
			name: "override pointing nowhere",
			src: `extends: default
questions:
  severity:
    text: How severe is it?
    type: severity
    evidence: severity
    answers: {critical: rollback, minor: quickfix}
`,
			want: []string{`decide.yaml:7: questions.severity.answers.minor: unknown node "quickfix" (did you mean "quick-fix"?)`},
		},
		{
			name: "override breaking a default node",
			src: `extends: default
questions:
  fix-image:
    text: Is the image ready?
    type: bool
    answers: {yes: rollforward, no: investigate}
`,
			want: []string{`default policy:`, `outcomes.rollforward.target: "fix-image" is a bool question: the image comes from a text question`},
		},
		{
			name: "override making a cycle",
			src: `extends: default
questions:
  fix-complex:
    text: Is the fix complex?
    type: bool
    answers: {yes: severity, no: fix-image}
`,
			want: []string{`decide.yaml:6: questions.fix-complex.answers.yes: cycle: severity → quick-fix → fix-complex → severity`},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, err := LoadPolicy("decide.yaml", []byte(tc.src))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%v", w, err)
				}
			}
			if p != Default() {
				t.Error("not the default")
			}
		})
	}
}

func TestParseAnswer(t *testing.T) {
	pol := Default()
	for _, tc := range []struct {
		in, id, value, err string
	}{
		{in: "quick-fix=yes", id: "quick-fix", value: "yes"},
		{in: "quick-fix=Y", id: "quick-fix", value: "yes"},
		{in: " issue = false ", id: "issue", value: "no"},
		{in: "severity=CRITICAL", id: "severity", value: "critical"},
		{in: "traffic=Blue-Green", id: "traffic", value: "blue-green"},
		{in: "fix-image=registry.example:5000/shop/checkout:2.1.1", id: "fix-image", value: "registry.example:5000/shop/checkout:2.1.1"},
		{in: "fix-image=checkout@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", id: "fix-image", value: "checkout@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"},
		{in: "quick-fix", err: `"quick-fix": write an answer as QUESTION=ANSWER, for example quick-fix=yes`},
		{in: "=yes", err: `write an answer as QUESTION=ANSWER`},
		{in: "quickfix=yes", err: `unknown question "quickfix" (did you mean "quick-fix"?)`},
		{in: "launch-missiles=yes", err: `unknown question "launch-missiles" (questions: issue, traffic,`},
		{in: "rollback=yes", err: `"rollback" is an outcome, not a question`},
		{in: "quick-fix=maybe", err: `quick-fix: "maybe" is not an answer: answer yes or no`},
		{in: "traffic=dark-launch", err: `traffic: "dark-launch" is not an answer: answer canary, blue-green or rolling`},
		{in: "severity=sev1", err: `severity: "sev1" is not an answer: answer critical or minor`},
		{in: "fix-image=", err: `fix-image: the answer is empty`},
		{in: "fix-image=registry.example/checkout", err: `names no tag or digest`},
		{in: "fix-image=Registry.example/Checkout:1", err: `is not an image reference`},
		{in: "fix-image=a:1\x1b[2J", err: `fix-image: "a:1\x1b[2J" contains control characters`},
		{in: "quick-fix=\x1b[31myes", err: `quick-fix: "\x1b[31myes" is not an answer`},
	} {
		id, v, err := pol.ParseAnswer(tc.in)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("ParseAnswer(%q) error = %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || id != tc.id || v != tc.value):
			t.Errorf("ParseAnswer(%q) = %q, %q, %v; want %q, %q", tc.in, id, v, err, tc.id, tc.value)
		}
	}
	got, err := pol.ParseAnswers([]string{"quick-fix=yes", "quick-fix=y", "fix-image=r/c:1"})
	if err != nil || len(got) != 2 || got["quick-fix"] != "yes" {
		t.Errorf("ParseAnswers = %v, %v", got, err)
	}
	_, err = pol.ParseAnswers([]string{"quick-fix=yes", "quick-fix=no", "bogus=1"})
	if err == nil || !strings.Contains(err.Error(), `quick-fix: answered twice ("yes" and "no")`) || !strings.Contains(err.Error(), `unknown question "bogus"`) {
		t.Errorf("ParseAnswers error = %v", err)
	}
}

func TestLines(t *testing.T) {
	src := `start: a
questions:
  a: {text: A, type: bool, answers: {yes: o, no: o}}
outcomes:
  o:
    action: no-action
    reasons:
      - "literal {{braces}} on {workload}"
      - "HPA {hpa} is left out when there is none"
      - text: "shown when a=yes"
        when: a=y
      - text: "shown when a=no"
        when: [a=no]
      - "you said {answer:a}"
`
	pol, err := LoadPolicy("team.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	ev := incident()
	ev.Answers = map[string]string{"a": "yes"}
	rec, err := pol.Decide(ev)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"literal {braces} on deployment/checkout", "shown when a=yes", "you said yes"}
	if !slices.Equal(rec.Reasons, want) {
		t.Errorf("reasons\n got %q\nwant %q", rec.Reasons, want)
	}
}

func TestQuestionsExport(t *testing.T) {
	q, ok := Default().Question("traffic")
	want := Question{ID: "traffic", Text: "How does the workload take traffic?", Type: Choice, Values: []string{"canary", "blue-green", "rolling"}, Evidence: "traffic"}
	if !ok || !slices.Equal(q.Values, want.Values) || q.ID != want.ID || q.Text != want.Text || q.Type != want.Type || q.Evidence != want.Evidence {
		t.Errorf("traffic = %+v", q)
	}
	q.Values[0] = "changed"
	if again, _ := Default().Question("traffic"); again.Values[0] != "canary" {
		t.Error("the policy shares its slices")
	}
	img, _ := Default().Question("fix-image")
	if img.Type != Text || img.Format != FormatImage || img.Values != nil {
		t.Errorf("fix-image = %+v", img)
	}
}

// TestBadTypeDoesNotCascade: a question with a wrong type keeps its edges,
// so what follows it is not reported unreachable too.
func TestBadTypeDoesNotCascade(t *testing.T) {
	src := "start: a\nquestions:\n  a:\n    text: A\n    type: yesno\n    answers: {yes: b, no: o}\n  b: {text: B, type: bool, answers: {yes: o, no: o}}\noutcomes: {o: {action: no-action}}\n"
	_, err := LoadPolicy("team.yaml", []byte(src))
	if err == nil || err.Error() != `team.yaml:5: questions.a.type: "yesno" is not an answer type (bool, choice, text or severity)` {
		t.Errorf("err = %v", err)
	}
}

// TestConcurrentUse: the default policy is shared; deciding and extending
// it from several goroutines must not race (run with -race).
func TestConcurrentUse(t *testing.T) {
	src := []byte(docExtension(t))
	done := make(chan error, 8)
	for range 4 {
		go func() {
			_, err := LoadPolicy("decide.yaml", src)
			done <- err
		}()
		go func() {
			_, err := Default().Decide(incident())
			done <- err
		}()
	}
	for range 8 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
}
