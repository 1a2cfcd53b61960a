// Package breadcrumb draws a walk through steps on one line — "issue yes ›
// traffic rolling › [severity ?]" — with the current step marked. When the
// line is too narrow the oldest steps give way to "…", so the current step
// and the ones just before it always show.
package breadcrumb

import (
	"strings"

	"github.com/mayday-tui/mayday/tui/common"
)

// State is how a crumb is drawn.
type State int

const (
	// Done is a step passed (answered).
	Done State = iota
	// Changed is a step passed with an answer a person changed.
	Changed
	// Current is the step on screen: drawn reversed, in brackets so it
	// stands out without colour.
	Current
	// Open is a step still to come.
	Open
	// End is the walk's end (an outcome).
	End
)

// Crumb is one step. Label is already safe to print.
type Crumb struct {
	Label string
	State State
}

// Separator goes between crumbs.
const Separator = " › "

// Render draws crumbs in at most width cells.
func Render(c *common.Common, crumbs []Crumb, width int) string {
	if width <= 0 || len(crumbs) == 0 {
		return ""
	}
	parts := make([]string, len(crumbs))
	widths := make([]int, len(crumbs))
	for i, cr := range crumbs {
		parts[i], widths[i] = draw(c, cr)
	}
	sep := c.Styles.Muted.Render(Separator)
	sepW := common.Width(Separator)
	// Keep the crumbs from the last one backwards while they fit,
	// leaving room for the "… › " that stands for the rest.
	total, first := 0, len(crumbs)
	for i := len(crumbs) - 1; i >= 0; i-- {
		w := widths[i]
		if i < len(crumbs)-1 {
			w += sepW
		}
		room := width
		if i > 0 {
			room -= 1 + sepW
		}
		if total+w > room && first < len(crumbs) {
			break
		}
		total += w
		first = i
	}
	out := strings.Join(parts[first:], sep)
	if first > 0 {
		out = c.Styles.Muted.Render("…") + sep + out
	}
	return common.Truncate(out, width)
}

func draw(c *common.Common, cr Crumb) (string, int) {
	st := c.Styles
	label := cr.Label
	switch cr.State {
	case Current:
		label = "[" + label + "]"
		return st.Selected.Render(label), common.Width(label)
	case Changed:
		label += "*"
		return st.Warning.Render(label), common.Width(label)
	case Open:
		return st.Muted.Render(label), common.Width(label)
	case End:
		return st.Bold.Render(label), common.Width(label)
	}
	return label, common.Width(label)
}
