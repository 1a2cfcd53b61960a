package wizard

import (
	"fmt"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/diffview"
	"github.com/mayday-tui/mayday/tui/components/finder"
)

// opLines are an action's plan: what changes, what another writer changed
// meanwhile, the checks, what is recorded, warnings and the diff.
func (s Screen) opLines() []string {
	st := s.c.Styles
	o := s.op
	if o.plan == nil {
		title := st.Bold.Render(safe(strings.ToUpper(s.exec.label[:1]) + s.exec.label[1:]))
		if o.phase == opPlanning {
			return []string{title, st.Muted.Render("Planning: reading the workload, checking your permission…")}
		}
		return []string{title}
	}
	p := o.plan
	out := []string{st.Bold.Render(p.title)}
	for _, h := range p.head {
		out = append(out, s.hanging("  "+st.Muted.Render(fmt.Sprintf("%-6s", h.label)), h.text)...)
	}
	out = append(out, "")
	if len(o.conflict) > 0 {
		out = append(out, o.conflict...)
		out = append(out, st.Warning.Render("The plan above is new; nothing was written. Confirm again to apply it."), "")
	}
	if p.diff != nil && len(p.diff.Summary) > 0 {
		out = append(out, diffview.Summary(s.c, p.diffTitle, p.diff.Summary)...)
		out = append(out, "")
	}
	if len(p.checks) > 0 {
		out = append(out, st.Bold.Render("Checks"))
		for _, c := range p.checks {
			mark := st.Success.Render("✓ ")
			if !c.OK {
				mark = st.Danger.Render("✗ ")
			}
			out = append(out, s.hanging("  "+mark, safe(c.Name)+": "+safe(c.Detail))...)
		}
		out = append(out, "")
	}
	for i, r := range p.records {
		label := "          "
		if i == 0 {
			label = "Records   "
		}
		out = append(out, s.hanging(st.Muted.Render(label), r)...)
	}
	out = append(out, "")
	if len(p.warnings) > 0 {
		out = append(out, st.Bold.Render(fmt.Sprintf("Warnings (%d):", len(p.warnings))))
		for _, w := range p.warnings {
			label := st.Info.Render("i info:    ")
			if w.Level == rollout.LevelWarning {
				label = st.Warning.Render("⚠ warning: ")
			}
			out = append(out, s.hanging("  "+label, safe(w.Message))...)
		}
		out = append(out, "")
	}
	if p.diff != nil {
		out = append(out, diffview.Unified(s.c, p.diff.Unified)...)
	}
	return out
}

// opPrompt is the question, or what the action is doing.
func (s Screen) opPrompt() []string {
	st := s.c.Styles
	k := s.c.Keys
	o := s.op
	backHint := st.Muted.Render("Nothing was changed. " + k.Global.Back.Help().Key + " goes back to the recommendation.")
	dry := ""
	if o.dry != "" {
		dry = st.Success.Render("✓ " + safe(o.dry))
	}
	switch o.phase {
	case opPlanning:
		return []string{st.Muted.Render("… planning")}
	case opPlanFailed:
		return []string{common.Truncate(st.Error.Render("✗ cannot plan: "+safe(errText(o.err))), s.width), backHint}
	case opDryRunning:
		return []string{st.Info.Render("… server dry run: asking the API server to validate the change"), st.Muted.Render("waiting for the server dry run before asking")}
	case opDryRunFailed:
		return []string{common.Truncate(st.Danger.Render("✗ server dry run refused: "+safe(errText(o.err))), s.width), backHint}
	case opSkipped:
		return []string{st.Info.Render("i nothing to do: " + o.plan.skip), backHint}
	case opExecuting:
		return []string{st.Info.Render("… writing to the API server"), st.Muted.Render("The write runs to its end even if you leave.")}
	case opExecFailed:
		return []string{common.Truncate(st.Error.Render("✗ the action failed: "+safe(errText(o.err))), s.width),
			st.Muted.Render(k.Global.Back.Help().Key + " goes back to the recommendation; r there gathers the evidence again")}
	}
	q := o.plan.question
	if s.c.Production {
		ok := st.Muted.Render(" (enter confirms once it matches)")
		if o.typed == s.ref.Name {
			ok = st.Success.Render(" ✓ matches: enter confirms")
		}
		out := []string{dry}
		out = append(out, s.hanging(st.Danger.Render("PROD "), q)...)
		return append(out, "Type "+st.Bold.Render(safe(s.ref.Name))+" to confirm: "+st.Prompt.Render("> ")+safe(o.typed)+"▏"+ok)
	}
	out := []string{dry}
	out = append(out, s.hanging("", st.Warning.Render(q))...)
	return append(out,
		st.Key.Render(k.Rollback.Confirm.Help().Key)+st.Muted.Render(" confirm · ")+
			st.Key.Render(k.Rollback.Cancel.Help().Key+"/"+k.Global.Back.Help().Key)+st.Muted.Render(" cancel (nothing is changed)"))
}

// verifyLines are what was observed after the action: the write, the
// rollout (or traffic), health, and the result.
func (s Screen) verifyLines() []string {
	st := s.c.Styles
	v := s.verify
	now := s.c.Now()
	title := "Verifying: "
	if v.done != nil {
		title = "Verification: "
	}
	out := []string{st.Bold.Render(title + safe(s.exec.label)), ""}
	if v.executed != "" {
		out = append(out, s.hanging("  "+st.Muted.Render("write     ")+st.Success.Render("✓ "), v.executed)...)
	}
	switch v.kind {
	case verifyPaused:
		line := "… reading the workload back"
		if v.statusSeen {
			line = fmt.Sprintf("%d of %d pods updated, %d available", v.status.Updated, v.status.Desired, v.status.Available)
		}
		out = append(out, "  "+st.Muted.Render("rollout   ")+line)
	case verifyTrafficShift:
		line := st.Info.Render("… waiting for the objects and endpoints to follow")
		if v.done != nil {
			line = st.Muted.Render("see the result below")
		}
		out = append(out, "  "+st.Muted.Render("traffic   ")+line)
	default:
		out = append(out, s.rolloutLine(now))
	}
	if v.kind != verifyPaused {
		out = append(out, s.healthLines(now)...)
	}
	out = append(out, "")
	if d := v.done; d != nil {
		if d.verified {
			out = append(out, s.hanging(st.Success.Render("✓ verified: "), safe(d.summary))...)
		} else {
			out = append(out, s.hanging(st.Danger.Render("✗ not verified: "), safe(d.summary))...)
		}
	}
	return out
}

func (s Screen) rolloutLine(now time.Time) string {
	st := s.c.Styles
	v := s.verify
	end := now
	if !v.rolloutDoneAt.IsZero() {
		end = v.rolloutDoneAt
	}
	label := "  " + st.Muted.Render("rollout   ")
	if !v.statusSeen {
		return label + st.Info.Render("… following the rollout")
	}
	g, w := finder.PhaseText(v.status.Phase)
	style := st.Info
	switch v.status.Phase {
	case rollout.PhaseComplete:
		style = st.Success
	case rollout.PhaseFailed:
		style = st.Danger
	}
	took := end.Sub(v.started).Truncate(time.Second)
	counts := fmt.Sprintf("  %d/%d updated, %d ready, %d available", v.status.Updated, v.status.Desired, v.status.Ready, v.status.Available)
	line := label + style.Render(g+" "+w) + counts + st.Muted.Render(fmt.Sprintf("  (%s)", took))
	if v.status.Phase != rollout.PhaseComplete && v.status.Message != "" {
		line += st.Muted.Render("  " + safe(v.status.Message))
	}
	return common.Truncate(line, s.width)
}

// healthLines are the latest verdict and what the verification waits for.
func (s Screen) healthLines(now time.Time) []string {
	st := s.c.Styles
	v := s.verify
	label := "  " + st.Muted.Render("health    ")
	if s.deps.Health == nil {
		return []string{label + st.Muted.Render("? not checked: "+s.c.NoPrometheus())}
	}
	var line string
	wrap := false
	switch {
	case !v.verdictSeen && (v.kind == verifyWorkload && (!v.statusSeen || !v.status.Done())):
		line = st.Muted.Render("checked once the rollout completes")
	case !v.verdictSeen:
		line = st.Info.Render("… checking")
	default:
		line = verdictStyle(s, v.verdict.State).Render(v.verdict.State.Glyph()+" "+v.verdict.State.String()) + verdictReason(v.verdict)
		if v.done == nil {
			line += st.Muted.Render(" (checked " + common.Age(now, v.verdictAt) + " ago)")
		}
		wrap = true
	}
	out := []string{common.Truncate(label+line, s.width)}
	if wrap {
		out = s.hanging(label, line)
	}
	if v.done == nil && (v.verdictSeen || v.kind != verifyWorkload || v.statusSeen && v.status.Done()) {
		bake := s.deps.Decision.BakeTime()
		waited := ""
		if !v.rolloutDoneAt.IsZero() {
			waited = fmt.Sprintf(" (waited %s)", now.Sub(v.rolloutDoneAt).Truncate(time.Second))
		}
		out = append(out, s.hanging("            ", st.Muted.Render(fmt.Sprintf(
			"a healthy verdict counts once its %s rate window lies after the rollout; waiting up to %s%s",
			metrics.ShortDuration(s.settle()), metrics.ShortDuration(bake), waited)))...)
	}
	return out
}

func verdictReason(v metrics.Verdict) string {
	if v.Reason == "" || v.State == metrics.Healthy {
		return ""
	}
	return ": " + safe(v.Reason)
}

func verdictStyle(s Screen, state metrics.State) interface{ Render(...string) string } {
	st := s.c.Styles
	switch state {
	case metrics.Healthy:
		return st.Success
	case metrics.Critical:
		return st.Danger
	case metrics.Degraded:
		return st.Warning
	}
	return st.Muted
}

// verifyPrompt says what can be done now.
func (s Screen) verifyPrompt() []string {
	st := s.c.Styles
	k := s.c.Keys
	again := st.Key.Render(k.Wizard.Regather.Help().Key) + st.Muted.Render(" decide again with fresh evidence · ") +
		st.Key.Render(k.Global.Back.Help().Key) + st.Muted.Render(" leaves")
	d := s.verify.done
	switch {
	case d == nil:
		return []string{st.Muted.Render(k.Global.Back.Help().Key + " leaves the wizard; the verification goes on and is recorded")}
	case d.verified:
		return []string{st.Success.Render("Next: nothing more to do here; keep an eye on health."), again}
	case s.next != nil && s.keys().Execute.Enabled():
		return []string{st.Key.Render(k.Wizard.Execute.Help().Key) + " " + st.Bold.Render("next step: "+safe(s.next.label)) +
			st.Muted.Render(" — plan, dry run, confirm"), again}
	case s.next != nil:
		return []string{st.Warning.Render("Next step: " + safe(s.next.label)), common.Truncate("  "+st.Muted.Render("run: ")+safe(s.next.cli), s.width), again}
	}
	return []string{st.Warning.Render("Next: gather the evidence again and decide on the state the action left."), again}
}
