package wizard

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/breadcrumb"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
)

// headerHeight is the title and the breadcrumb.
const headerHeight = 2

func (s Screen) bodyHeight() int { return max(s.height-headerHeight, 0) }

// View renders the wizard.
func (s Screen) View() string {
	if s.width <= 0 || s.height <= 0 {
		return ""
	}
	parts := []string{s.titleLine(), breadcrumb.Render(s.c, s.crumbs(), s.width)}
	body := ""
	switch ph := s.Phase(); {
	case ph == Gathering:
		body = s.gatheringView()
	case ph == GatherFailed:
		body = s.gatherFailedView()
	case ph == Asking:
		body = s.questionView()
	case ph == Executing && s.rb != nil:
		body = s.rb.View()
	default:
		body = s.scrolledView()
	}
	parts = append(parts, common.Fit(body, s.width, s.bodyHeight()))
	return common.Fit(strings.Join(parts, "\n"), s.width, s.height)
}

// titleLine names the workload, with the evidence's age and the policy
// on the right as far as they fit (the age first).
func (s Screen) titleLine() string {
	st := s.c.Styles
	left := st.Title.Render("Decide: " + safe(s.ref.String()) + " in " + safe(s.ref.Namespace))
	var right []string
	switch {
	case s.gathering && s.gathered != nil:
		right = append(right, "… gathering again")
	case s.gathered != nil && s.changed && s.stage == stageDecide:
		right = append(right, "evidence "+common.Age(s.c.Now(), s.gatheredAt)+" old, workload changed since (r)")
	case s.gathered != nil:
		right = append(right, "evidence "+common.Age(s.c.Now(), s.gatheredAt)+" old")
	}
	if s.deps.Decision != nil && s.deps.Decision.PolicyErr != nil {
		right = append(right, "⚠ default policy")
	} else if s.gathered != nil {
		right = append(right, "policy: "+safe(s.policy().Source()))
	}
	for n := len(right); n > 0; n-- {
		r := st.Muted.Render(strings.Join(right[:n], " · "))
		if room := s.width - common.Width(r) - 1; room >= common.Width(left) {
			return common.PadRight(left, room+1) + r
		}
	}
	return common.Truncate(left, s.width)
}

// crumbs is the walk so far; once an action runs, its steps follow the
// outcome.
func (s Screen) crumbs() []breadcrumb.Crumb {
	if s.stage == stageGather {
		return []breadcrumb.Crumb{{Label: "evidence", State: breadcrumb.Current}}
	}
	w := s.walk
	var out []breadcrumb.Crumb
	shown := len(w.rec.Path)
	if s.stage == stageDecide {
		shown = min(shown, max(w.reviewed, w.cursor+1))
	}
	for i := 0; i < shown; i++ {
		st := w.rec.Path[i]
		state := breadcrumb.Done
		if st.Overridden || st.Engineer != "" && st.PreAnswer != "" {
			state = breadcrumb.Changed
		}
		if s.stage == stageDecide && i == w.cursor {
			state = breadcrumb.Current
		}
		out = append(out, breadcrumb.Crumb{Label: safe(st.Node) + " " + safe(st.Answer), State: state})
	}
	cur := w.current()
	switch {
	case s.stage != stageDecide:
	case cur.Open:
		out = append(out, breadcrumb.Crumb{Label: safe(cur.Question.ID) + " ?", State: breadcrumb.Current})
		return out
	case cur.Outcome:
		out = append(out, breadcrumb.Crumb{Label: actionLabel(w.rec), State: breadcrumb.Current})
		return out
	default:
		return out
	}
	out = append(out, breadcrumb.Crumb{Label: actionLabel(w.rec), State: breadcrumb.End})
	steps := []string{"plan", "dry run", "confirm", "execute", "verify"}
	at := s.execStep()
	for i, name := range steps {
		state := breadcrumb.Open
		switch {
		case i < at:
			state = breadcrumb.Done
		case i == at:
			state = breadcrumb.Current
		}
		out = append(out, breadcrumb.Crumb{Label: name, State: state})
	}
	return out
}

// execStep is the index of the action's step in plan, dry run, confirm,
// execute, verify.
func (s Screen) execStep() int {
	if s.stage == stageVerify {
		return 4
	}
	if s.rb != nil {
		switch s.rb.Phase() {
		case rollback.Planning, rollback.PlanFailed, rollback.Skipped:
			return 0
		case rollback.DryRunning, rollback.DryRunFailed:
			return 1
		case rollback.Confirming:
			return 2
		case rollback.Executing, rollback.ExecFailed:
			return 3
		}
		return 4
	}
	switch s.op.phase {
	case opPlanning, opPlanFailed, opSkipped:
		return 0
	case opDryRunning, opDryRunFailed:
		return 1
	case opConfirming:
		return 2
	}
	return 3
}

func actionLabel(rec decide.Recommendation) string {
	if !rec.Decided {
		return "?"
	}
	return "→ " + strings.ToUpper(string(rec.Action))
}

func (s Screen) gatheringView() string {
	st := s.c.Styles
	took := s.c.Now().Sub(s.asked).Truncate(time.Second)
	lines := []string{"",
		st.Info.Render("… gathering evidence") + st.Muted.Render(fmt.Sprintf(" (%s)", took)),
		st.Muted.Render("  revision history and rollout state from the cache"),
	}
	if s.deps.Health != nil {
		lines = append(lines, st.Muted.Render("  health now, firing alerts, each revision's health while it was live"))
	} else {
		lines = append(lines, st.Muted.Render("  health: unknown ("+s.c.NoPrometheus()+"): the questions it answers are asked"))
	}
	lines = append(lines, st.Muted.Render("  the application's other parts, GitOps markers, autoscalers, migration marker"))
	return strings.Join(lines, "\n")
}

func (s Screen) gatherFailedView() string {
	st := s.c.Styles
	k := s.c.Keys
	lines := append([]string{""}, s.hanging(st.Error.Render("✗ could not gather the evidence: "), st.Error.Render(safe(errText(s.gatherErr))))...)
	lines = append(lines, st.Muted.Render("Nothing was decided or changed."))
	if s.deps.Decision != nil && s.deps.Decision.Gather != nil {
		lines = append(lines, st.Key.Render(k.Wizard.Regather.Help().Key)+st.Muted.Render(" tries again · ")+
			st.Key.Render(k.Global.Back.Help().Key)+st.Muted.Render(" leaves"))
	}
	return strings.Join(lines, "\n")
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// scrolledView is the viewport with the fixed prompt under it.
func (s Screen) scrolledView() string {
	prompt := s.prompt()
	h := s.bodyHeight()
	n := min(len(prompt), max(h-1, 0))
	prompt = prompt[len(prompt)-n:]
	vpH := max(h-n, 0)
	body := common.Fit(s.vp.View(), s.width, vpH)
	if total := s.vp.TotalLineCount(); total > vpH && vpH > 0 {
		pos := s.c.Styles.Muted.Render(fmt.Sprintf(" ↑/↓ %d%%", int(s.vp.ScrollPercent()*100)))
		lines := strings.Split(body, "\n")
		lines[0] = common.Truncate(strings.TrimRight(lines[0], " "), max(s.width-common.Width(pos), 0))
		lines[0] = common.PadRight(lines[0], max(s.width-common.Width(pos), 0)) + pos
		body = strings.Join(lines, "\n")
	}
	if n == 0 {
		return body
	}
	return body + "\n" + strings.Join(prompt, "\n")
}

// refresh rebuilds the scrolled text after the state changed (data
// already in memory; no I/O).
func (s *Screen) refresh() {
	prompt := len(s.prompt())
	s.vp.SetWidth(s.width)
	s.vp.SetHeight(max(s.bodyHeight()-prompt, 0))
	var lines []string
	ph := s.Phase()
	if ph != s.vpPhase {
		// Other content: it starts at its top.
		s.vp.SetYOffset(0)
		s.vpPhase = ph
	}
	switch ph {
	case Recommending:
		lines = s.recommendationLines()
	case Executing:
		lines = s.opLines()
	case Verifying, Finished:
		lines = s.verifyLines()
	}
	at := s.vp.YOffset()
	s.vp.SetContentLines(lines)
	s.vp.SetYOffset(at)
}

// hanging wraps text after a prefix, continuation lines indented under
// the text.
func (s Screen) hanging(prefix, text string) []string {
	pw := common.Width(prefix)
	if s.width-pw < 20 {
		return []string{prefix + text}
	}
	lines := strings.Split(ansi.Wrap(text, s.width-pw, " "), "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", pw) + lines[i]
		}
	}
	return lines
}
