package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// ChangeDoc is one summarised difference between two pod templates.
// Kind is image, env, resources, container or other. From or To is ""
// when the item was added or removed.
type ChangeDoc struct {
	Kind      string `json:"kind"`
	Container string `json:"container"`
	Field     string `json:"field"`
	From      string `json:"from"`
	To        string `json:"to"`
}

func changeDocs(cs []rollout.Change) []ChangeDoc {
	out := make([]ChangeDoc, 0, len(cs))
	for _, c := range cs {
		out = append(out, ChangeDoc{Kind: string(c.Kind), Container: c.Container, Field: c.Field, From: c.From, To: c.To})
	}
	return out
}

// DiffSideDoc is one side of a diff. Revision is 0 for the workload's
// current template when no revision matches it.
type DiffSideDoc struct {
	Revision int64  `json:"revision"`
	Label    string `json:"label"`
}

// DiffDoc is the document `mayday diff -o json|yaml` prints.
type DiffDoc struct {
	Kind     string      `json:"kind"` // always "Diff"
	Workload WorkloadDoc `json:"workload"`
	From     DiffSideDoc `json:"from"`
	To       DiffSideDoc `json:"to"`
	// Identical is true when the templates are equal (ignoring
	// pod-template-hash); Changes is then empty.
	Identical bool        `json:"identical"`
	Changes   []ChangeDoc `json:"changes"`
	// Unified is a unified diff of the two pod templates as YAML.
	Unified string `json:"unified"`
}

// NewDiffDoc converts a diff between two sides of a workload.
func NewDiffDoc(ref rollout.Ref, from, to DiffSideDoc, d rollout.Diff) DiffDoc {
	return DiffDoc{Kind: "Diff", Workload: workloadDoc(ref), From: from, To: to,
		Identical: d.Empty(), Changes: changeDocs(d.Summary), Unified: d.Unified}
}

// PrintDiff prints the summary of changes, then the unified diff.
func PrintDiff(w io.Writer, title string, d rollout.Diff, o Options) error {
	st := o.Styles()
	fmt.Fprintln(w, st.Bold(textsafe.String(title)))
	if d.Empty() {
		fmt.Fprintln(w, "\nno differences: the pod templates are identical (ignoring pod-template-hash)")
		return nil
	}
	fmt.Fprintln(w)
	PrintChanges(w, "Changes", d.Summary, o)
	if d.Unified == "" {
		return nil
	}
	fmt.Fprintln(w)
	for _, line := range strings.Split(strings.TrimSuffix(textsafe.Block(d.Unified), "\n"), "\n") {
		switch {
		case strings.HasPrefix(line, "+++"), strings.HasPrefix(line, "---"):
			line = st.Bold(line)
		case strings.HasPrefix(line, "+"):
			line = st.Added(line)
		case strings.HasPrefix(line, "-"):
			line = st.Removed(line)
		case strings.HasPrefix(line, "@@"):
			line = st.Hunk(line)
		}
		fmt.Fprintln(w, line)
	}
	return nil
}

// PrintChanges prints a titled summary, one change per line:
//
//	image      checkout: …/checkout:2.15.0 → …/checkout:2.13.0
//	env        checkout PAYMENTS_CLIENT: removed "v2"
func PrintChanges(w io.Writer, title string, cs []rollout.Change, o Options) {
	st := o.Styles()
	fmt.Fprintf(w, "%s (%d):\n", title, len(cs))
	if len(cs) == 0 {
		fmt.Fprintln(w, "  none")
		return
	}
	width := 0
	for _, c := range cs {
		width = max(width, len(c.Kind))
	}
	for _, c := range cs {
		prefix := fmt.Sprintf("  %-*s  ", width, string(c.Kind))
		printHanging(w, prefix, func(s string) string { return s }, ChangeText(c, Styles{}), ChangeText(c, st), o.Width)
	}
}

// ChangeText describes one change without its kind.
func ChangeText(c rollout.Change, st Styles) string {
	where := c.Field
	switch {
	case c.Kind == rollout.ChangeImage || c.Kind == rollout.ChangeContainer:
		where = c.Container
	case c.Container != "":
		where = c.Container + " " + c.Field
	}
	where = textsafe.String(where)
	from, to := textsafe.String(c.From), textsafe.String(c.To)
	switch {
	case c.Kind == rollout.ChangeContainer && c.From == "":
		return fmt.Sprintf("%s: %s (%s)", where, st.Added("container added"), to)
	case c.Kind == rollout.ChangeContainer:
		return fmt.Sprintf("%s: %s (%s)", where, st.Removed("container removed"), from)
	case c.From == "":
		return fmt.Sprintf("%s: %s %s", where, st.Added("added"), to)
	case c.To == "":
		return fmt.Sprintf("%s: %s %s", where, st.Removed("removed"), from)
	}
	return fmt.Sprintf("%s: %s → %s", where, st.Removed(from), st.Added(to))
}
