package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// DecisionDoc is the document `mayday decide -o json|yaml` prints.
type DecisionDoc struct {
	Kind string `json:"kind"` // always "Decision"
	decide.Recommendation
}

// NewDecisionDoc wraps a recommendation.
func NewDecisionDoc(r decide.Recommendation) DecisionDoc {
	return DecisionDoc{Kind: "Decision", Recommendation: r}
}

// PrintDecision prints the recommendation first (what to do, to what, how
// long it should take), then the path through the policy with the source
// of every answer, the reasons and the risks; or, when the engine stopped,
// the question the engineer must answer and how to answer it.
func PrintDecision(w io.Writer, r decide.Recommendation, o Options) error {
	st := o.Styles()
	fmt.Fprintf(w, "%s in namespace %s (policy: %s)\n", st.Bold(textsafe.String(r.Workload.String())),
		textsafe.String(r.Workload.Namespace), textsafe.String(r.Policy))
	if r.Decided {
		line := "→ " + strings.ToUpper(string(r.Action))
		if r.Target.Text != "" {
			line += " to " + textsafe.String(r.Target.Text)
		}
		fmt.Fprintln(w, st.Bold(line))
		if r.Target.Basis != "" {
			fmt.Fprintf(w, "  target: %s\n", textsafe.String(r.Target.Basis))
		}
		fmt.Fprintf(w, "  expected recovery: %s\n", textsafe.String(r.ExpectedRecovery.String()))
	} else {
		fmt.Fprintln(w, st.Warning("? no recommendation yet: a question needs your answer"))
	}
	fmt.Fprintf(w, "\n%s\n", st.Header("PATH"))
	for i, s := range r.Path {
		answer := textsafe.String(s.Answer)
		if s.Overridden {
			answer += st.Warning(" (overrides the evidence: " + textsafe.String(s.PreAnswer) + ")")
		}
		fmt.Fprintf(w, "  %d. %s %s\n     %s\n", i+1, textsafe.String(s.Question), st.Bold(answer), st.Muted(textsafe.String(s.Source)))
	}
	for _, q := range r.Missing {
		fmt.Fprintf(w, "  ?  %s\n", st.Bold(textsafe.String(q.Text)))
		if q.Why != "" {
			fmt.Fprintf(w, "     %s\n", st.Muted(textsafe.String(q.Why)))
		}
		fmt.Fprintf(w, "     answer with --answer %s=%s\n", q.ID, answerHint(q))
	}
	list := func(title string, items []string) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "\n%s\n", st.Header(title))
		for _, it := range items {
			fmt.Fprintf(w, "  - %s\n", textsafe.String(it))
		}
	}
	list("REASONS", r.Reasons)
	list("RISKS", r.Risks)
	if len(r.Unused) > 0 {
		list("ANSWERS NOT USED", r.Unused)
	}
	return nil
}

func answerHint(q decide.Question) string {
	if len(q.Values) > 0 {
		return strings.Join(q.Values, "|")
	}
	if q.Format != "" {
		return strings.ToUpper(q.Format)
	}
	return "VALUE"
}
