package output

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/internal/version"
)

// RolloutStatusDoc is the document `mayday status -o json|yaml` prints;
// with --watch, one per change (JSON: one per line).
type RolloutStatusDoc struct {
	Kind     string      `json:"kind"` // always "RolloutStatus"
	Workload WorkloadDoc `json:"workload"`
	Time     time.Time   `json:"time"`
	StatusDoc
}

// NewRolloutStatusDoc converts a status observed at t.
func NewRolloutStatusDoc(ref rollout.Ref, s rollout.Status, t time.Time) RolloutStatusDoc {
	return RolloutStatusDoc{Kind: "RolloutStatus", Workload: workloadDoc(ref), Time: t.UTC(), StatusDoc: statusDoc(s)}
}

// PrintStatus prints a rollout status in two lines: the verdict with its
// glyph and the counts.
func PrintStatus(w io.Writer, ref rollout.Ref, s rollout.Status, o Options) {
	fmt.Fprintf(w, "%s in namespace %s\n", o.Styles().Bold(textsafe.String(ref.String())), textsafe.String(ref.Namespace))
	for _, l := range statusLines(s, o.Width, o.Styles()) {
		fmt.Fprintln(w, l)
	}
}

// ProgressLine is one line of `status --watch`:
//
//	10:42:07  updated 2/4  ready 1/4  available 1/4  2 out of 4 new replicas have been updated
func ProgressLine(s rollout.Status, t time.Time, o Options) string {
	st := o.Styles()
	glyph, style := "…", st.Warning
	switch s.Phase {
	case rollout.PhaseComplete:
		glyph, style = "✓", st.Success
	case rollout.PhaseFailed:
		glyph, style = "✗", st.Danger
	case rollout.PhasePaused:
		glyph = "‖"
	}
	prefix := fmt.Sprintf("%s  updated %d/%d  ready %d/%d  available %d/%d  ",
		t.Format("15:04:05"), s.Updated, s.Desired, s.Ready, s.Desired, s.Available, s.Desired)
	// Cut before styling: escape codes have no width but count as text.
	line := fit(prefix+glyph+" "+textsafe.String(s.Message), o.Width)
	rest, ok := strings.CutPrefix(line, prefix+glyph)
	if !ok {
		return line
	}
	return prefix + style(glyph) + rest
}

// PrintVersion prints the build information.
func PrintVersion(w io.Writer, v version.Info) {
	fmt.Fprintf(w, "mayday %s\n", v.Version)
	fmt.Fprintf(w, "  commit:  %s\n", v.Commit)
	fmt.Fprintf(w, "  built:   %s\n", v.Date)
	fmt.Fprintf(w, "  go:      %s %s\n", v.GoVersion, v.Platform)
}
