package decide

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// AnswerType is the kind of answer a question takes.
type AnswerType string

// The answer types.
const (
	// Bool questions are answered yes or no.
	Bool AnswerType = "bool"
	// Choice questions are answered with one of their choices.
	Choice AnswerType = "choice"
	// Text questions take free text (with format image: an image
	// reference); they have a single next node.
	Text AnswerType = "text"
	// Severity questions are answered critical or minor.
	Severity AnswerType = "severity"
)

// AnswerTypes lists the answer types.
func AnswerTypes() []AnswerType { return []AnswerType{Bool, Choice, Text, Severity} }

// The canonical answers of bool and severity questions.
const (
	Yes      = "yes"
	No       = "no"
	Critical = "critical"
	Minor    = "minor"
)

// Text formats.
const (
	// FormatImage: the answer is a container image reference with a tag
	// or digest.
	FormatImage = "image"
)

// values lists the answers a question takes (nil for text).
func (q *question) values() []string {
	switch q.typ {
	case Bool:
		return []string{Yes, No}
	case Severity:
		return []string{Critical, Minor}
	case Choice:
		return q.choices
	}
	return nil
}

// normalize checks an answer to q and returns its canonical form.
func (q *question) normalize(v string) (string, error) {
	v = strings.TrimSpace(v)
	switch q.typ {
	case Bool:
		switch strings.ToLower(v) {
		case "yes", "y", "true":
			return Yes, nil
		case "no", "n", "false":
			return No, nil
		}
		return "", fmt.Errorf("%s: %q is not an answer: answer yes or no", q.id, v)
	case Severity:
		switch strings.ToLower(v) {
		case Critical:
			return Critical, nil
		case Minor:
			return Minor, nil
		}
		return "", fmt.Errorf("%s: %q is not an answer: answer critical or minor", q.id, v)
	case Choice:
		for _, c := range q.choices {
			if strings.EqualFold(c, v) {
				return c, nil
			}
		}
		return "", fmt.Errorf("%s: %q is not an answer: answer %s", q.id, v, orList(q.choices))
	}
	if v == "" {
		return "", fmt.Errorf("%s: the answer is empty", q.id)
	}
	if !textsafe.Safe(v) {
		return "", fmt.Errorf("%s: %q contains control characters", q.id, v)
	}
	if q.format == FormatImage {
		if err := checkImage(v); err != nil {
			return "", fmt.Errorf("%s: %w", q.id, err)
		}
	}
	return v, nil
}

func orList(vs []string) string {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return strings.Join(vs[:len(vs)-1], ", ") + " or " + vs[len(vs)-1]
}

// ParseAnswer reads one QUESTION=ANSWER (as given to --answer) and returns
// the question id and the answer in its canonical form ("Y" becomes
// "yes").
func (p *Policy) ParseAnswer(s string) (id, value string, err error) {
	id, value, ok := strings.Cut(s, "=")
	id = strings.TrimSpace(id)
	if !ok || id == "" {
		return "", "", fmt.Errorf("%q: write an answer as QUESTION=ANSWER, for example quick-fix=yes", s)
	}
	value, err = p.CheckAnswer(id, value)
	return id, value, err
}

// ParseAnswers reads every QUESTION=ANSWER and reports all problems at
// once. Answering a question twice with different answers is a problem.
func (p *Policy) ParseAnswers(args []string) (map[string]string, error) {
	out := make(map[string]string, len(args))
	var errs []error
	for _, a := range args {
		id, v, err := p.ParseAnswer(a)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := out[id]; dup && prev != v {
			errs = append(errs, fmt.Errorf("%s: answered twice (%q and %q)", id, prev, v))
			continue
		}
		out[id] = v
	}
	return out, errors.Join(errs...)
}

// CheckAnswer checks an answer to the question id and returns its
// canonical form.
func (p *Policy) CheckAnswer(id, value string) (string, error) {
	n, ok := p.nodes[id]
	if !ok || n.q == nil {
		return "", p.unknownQuestion(id)
	}
	return n.q.normalize(value)
}

func (p *Policy) unknownQuestion(id string) error {
	var ids []string
	for _, x := range p.order {
		if p.nodes[x].q != nil {
			ids = append(ids, x)
		}
	}
	msg := fmt.Sprintf("unknown question %q", id)
	if n, ok := p.nodes[id]; ok && n.o != nil {
		msg = fmt.Sprintf("%q is an outcome, not a question", id)
	}
	if s := yamlfields.Closest(id, ids); s != "" && s != id {
		return fmt.Errorf("%s (did you mean %q?)", msg, s)
	}
	return fmt.Errorf("%s (questions: %s)", msg, strings.Join(ids, ", "))
}

// The grammar of an image reference, as the container registries define
// it: [domain[:port]/]path[:tag][@digest].
var imageRef = func() *regexp.Regexp { // compiled once, never changed
	const (
		domainComponent = `(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])`
		domain          = domainComponent + `(?:\.` + domainComponent + `)*(?::[0-9]+)?`
		pathComponent   = `[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*`
		name            = `(?:` + domain + `/)?` + pathComponent + `(?:/` + pathComponent + `)*`
		tag             = `[\w][\w.-]{0,127}`
		digest          = `[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}`
	)
	return regexp.MustCompile(`^(` + name + `)(?::(` + tag + `))?(?:@(` + digest + `))?$`)
}()

// checkImage accepts an image reference that names a tag or a digest.
func checkImage(s string) error {
	m := imageRef.FindStringSubmatch(s)
	switch {
	case m == nil:
		return fmt.Errorf("%q is not an image reference (write it as registry.example/app:1.2.3 or with @sha256:...)", s)
	case len(m[1]) > 255:
		return fmt.Errorf("%q: the image name is longer than 255 characters", s)
	case m[2] == "" && m[3] == "":
		return fmt.Errorf("%q names no tag or digest: say which build has the fix (%s:TAG)", s, s)
	}
	return nil
}
