// Package diffview renders a pod-template diff for the console: the
// summary of changes (image, env, resources first) and the unified diff,
// whose lines keep their "+" and "-" so that a change never rests on
// colour alone. Everything from the cluster is escaped.
package diffview

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
)

// kindOrder puts what an on-call engineer checks first on top.
var kindOrder = []rollout.ChangeKind{rollout.ChangeImage, rollout.ChangeEnv, rollout.ChangeResources, rollout.ChangeContainer, rollout.ChangeOther}

// Summary lists changes under a title, one per line, image, env and
// resource changes first.
func Summary(c *common.Common, title string, cs []rollout.Change) []string {
	st := c.Styles
	out := []string{st.Bold.Render(fmt.Sprintf("%s (%d):", title, len(cs)))}
	if len(cs) == 0 {
		return append(out, "  none")
	}
	sorted := slices.Clone(cs)
	slices.SortStableFunc(sorted, func(a, b rollout.Change) int {
		return rank(a.Kind) - rank(b.Kind)
	})
	w := 0
	for _, ch := range sorted {
		w = max(w, len(ch.Kind))
	}
	for _, ch := range sorted {
		// ChangeText escapes and says "added"/"removed"/"→" in words.
		out = append(out, "  "+st.Accent.Render(common.PadRight(string(ch.Kind), w))+"  "+output.ChangeText(ch, output.Styles{}))
	}
	return out
}

func rank(k rollout.ChangeKind) int {
	if i := slices.Index(kindOrder, k); i >= 0 {
		return i
	}
	return len(kindOrder)
}

// Unified styles a unified diff line by line.
func Unified(c *common.Common, unified string) []string {
	st := c.Styles
	if unified == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(textsafe.Block(unified), "\n"), "\n")
	for i, l := range lines {
		switch {
		case strings.HasPrefix(l, "+++"), strings.HasPrefix(l, "---"):
			lines[i] = st.Bold.Render(l)
		case strings.HasPrefix(l, "+"):
			lines[i] = st.Success.Render(l)
		case strings.HasPrefix(l, "-"):
			lines[i] = st.Danger.Render(l)
		case strings.HasPrefix(l, "@@"):
			lines[i] = st.Info.Render(l)
		}
	}
	return lines
}

// Lines is the whole diff: summary, a blank line, the unified diff; or
// a sentence when the templates are equal.
func Lines(c *common.Common, d rollout.Diff) []string {
	if d.Empty() {
		return []string{"no differences: the pod templates are identical (ignoring pod-template-hash)"}
	}
	out := Summary(c, "Changes", d.Summary)
	if u := Unified(c, d.Unified); len(u) > 0 {
		out = append(out, "")
		out = append(out, u...)
	}
	return out
}
