package rollback

import (
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollback"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/diffview"
	"github.com/mayday-tui/mayday/tui/components/finder"
)

func safe(s string) string { return textsafe.String(s) }

// promptHeight is the fixed area under the plan: the question, or what
// the flow is doing.
func (s Screen) promptHeight() int {
	switch {
	case s.height < 8:
		return 1
	case s.height < 14:
		return 2
	}
	return 3
}

// refresh rebuilds the plan text after the state changed. It runs in
// Update on data already in memory (no I/O).
func (s *Screen) refresh() {
	if s.phase == Watching {
		return
	}
	s.vp.SetContentLines(s.planLines())
}

func (s Screen) title() string {
	st := s.c.Styles
	t := "Roll back " + safe(s.ref.String()) + " in namespace " + safe(s.ref.Namespace)
	if s.plan != nil {
		t += fmt.Sprintf(" to revision %d", s.plan.ToRevision)
	} else {
		t += " to revision " + revLabel(&s.rev)
	}
	return st.Title.Render(t)
}

// whyLines say why this target was suggested, when it was.
func (s Screen) whyLines() []string {
	if s.why == "" {
		return nil
	}
	return []string{s.c.Styles.Muted.Render("  why   ") + s.c.Styles.Info.Render(safe(s.why))}
}

func revLabel(r *rollout.Revision) string {
	l := fmt.Sprint(r.Number)
	if len(r.FormerNumbers) > 0 {
		f := make([]string, len(r.FormerNumbers))
		for i, n := range r.FormerNumbers {
			f[i] = fmt.Sprint(n)
		}
		l += " (was " + strings.Join(f, ",") + ")"
	}
	return l
}

func images(r *rollout.Revision) string {
	var out []string
	for _, im := range r.Images {
		if !im.Init {
			img := im.Image
			if i := strings.LastIndex(img, "/"); i >= 0 {
				img = img[i+1:]
			}
			out = append(out, safe(img))
		}
	}
	return strings.Join(out, " ")
}

// planLines is the scrollable plan: from and to, what another writer
// changed (after a conflict), the changes, the attribution, the
// warnings, the dry run, the unified diff.
func (s Screen) planLines() []string {
	st := s.c.Styles
	if s.plan == nil {
		if s.phase == Planning {
			return append([]string{st.Muted.Render("Planning: reading the history from the cache, checking your permission…")}, s.whyLines()...)
		}
		return s.whyLines()
	}
	p := s.plan
	var out []string
	if s.hist != nil {
		from, okF := s.hist.Find(p.FromRevision)
		to, okT := s.hist.FindByUID(p.Target.UID)
		if okF {
			out = append(out, st.Muted.Render("  from  ")+fmt.Sprintf("revision %-4d ", p.FromRevision)+images(from))
		}
		if okT {
			out = append(out, st.Muted.Render("  to    ")+fmt.Sprintf("revision %-4d ", p.ToRevision)+images(to))
			meta := "created " + common.Age(s.c.Now(), to.Created) + " ago"
			if to.ChangeCause != "" {
				meta += " · " + safe(to.ChangeCause)
			}
			out = append(out, "        "+st.Muted.Render(meta))
			if !p.Skip {
				out = append(out, "        "+st.Muted.Render(fmt.Sprintf("becomes revision %d (was %d) once the controller picks it up", rollback.NextRevision(s.hist), p.ToRevision)))
			}
		}
		out = append(out, s.whyLines()...)
		out = append(out, "")
	}
	if ce := s.conflict; ce != nil {
		out = append(out, st.Warning.Render("⚠ conflict: "+safe(ce.Error())))
		if len(ce.Concurrent.Summary) > 0 {
			out = append(out, diffview.Summary(s.c, "Changed meanwhile by someone else", ce.Concurrent.Summary)...)
		}
		if ce.New != nil {
			out = append(out, st.Bold.Render("What changed in the plan:"))
			for _, c := range output.PlanChanges(ce.Old, ce.New) {
				out = append(out, "  - "+safe(c))
			}
		}
		out = append(out, st.Warning.Render("The plan below is the new one; nothing was written. Confirm again to apply it."), "")
	}
	if p.Skip {
		out = append(out, st.Info.Render("i nothing to do: "+safe(p.SkipReason)))
		return out
	}
	out = append(out, diffview.Summary(s.c, fmt.Sprintf("Changes from revision %d to revision %d", p.FromRevision, p.ToRevision), p.Diff.Summary)...)
	out = append(out, "")
	out = append(out, st.Muted.Render("Records   ")+"change-cause "+fmt.Sprintf("%q", safe(p.ChangeCause())))
	out = append(out, st.Muted.Render("          ")+"actor "+safe(p.Attribution.Actor))
	out = append(out, "")
	if len(p.Warnings) > 0 {
		out = append(out, st.Bold.Render(fmt.Sprintf("Warnings (%d):", len(p.Warnings))))
		for _, w := range p.Warnings {
			label := st.Info.Render("i info:    ")
			if w.Level == rollout.LevelWarning {
				label = st.Warning.Render("⚠ warning: ")
			}
			out = append(out, s.hanging("  "+label, safe(w.Message))...)
		}
		out = append(out, "")
	}
	if u := diffview.Unified(s.c, p.Diff.Unified); len(u) > 0 {
		out = append(out, u...)
	}
	return out
}

// hanging wraps text after a prefix, continuation lines indented under
// the text, so a long warning reads as one item at 80 columns.
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

func (s Screen) dryRunLine() string {
	st := s.c.Styles
	switch {
	case s.phase == DryRunning:
		return st.Info.Render("… server dry run: asking the API server to validate the change")
	case s.phase == DryRunFailed:
		return st.Danger.Render("✗ server dry run refused: " + safe(errText(s.err)))
	case s.dry != nil:
		return st.Success.Render("✓ " + safe(s.dry.Message))
	}
	return ""
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// prompt is the fixed area: the question, or the state of the write.
func (s Screen) prompt() []string {
	st := s.c.Styles
	k := s.c.Keys
	switch s.phase {
	case Planning:
		return []string{st.Muted.Render("… planning")}
	case PlanFailed:
		return []string{st.Error.Render("✗ cannot roll back: " + safe(errText(s.err))), st.Muted.Render("Nothing was changed. esc goes back.")}
	case DryRunning:
		return []string{s.dryRunLine(), st.Muted.Render("waiting for the server dry run before asking")}
	case DryRunFailed:
		return []string{s.dryRunLine(), st.Muted.Render("It cannot be applied as planned. Nothing was changed. esc goes back.")}
	case Skipped:
		msg := "nothing to do"
		if s.plan != nil && s.plan.SkipReason != "" {
			msg = s.plan.SkipReason
		}
		if s.result != nil {
			msg = s.result.Message
		}
		return []string{st.Info.Render("i " + safe(msg)), st.Muted.Render("Nothing was changed. esc goes back.")}
	case Executing:
		return []string{st.Info.Render("… rolling back: writing to the API server"), st.Muted.Render("The write runs to its end even if you leave.")}
	case ExecFailed:
		lines := []string{st.Error.Render("✗ the rollback failed: " + safe(errText(s.err)))}
		if s.result != nil && s.result.Unknown {
			lines = append(lines, st.Warning.Render("⚠ "+safe(s.result.Message)))
		} else {
			lines = append(lines, st.Muted.Render("esc goes back; the history shows the workload's state"))
		}
		return lines
	case Confirming:
		q := fmt.Sprintf("Roll back %s from revision %d to revision %d?", safe(s.ref.String()), s.plan.FromRevision, s.plan.ToRevision)
		if s.c.Production {
			reason := "production"
			if s.c.ProductionReason != "" {
				reason = safe(s.c.ProductionReason)
			}
			ok := st.Muted.Render(" (enter confirms once it matches)")
			if s.typed == s.ref.Name {
				ok = st.Success.Render(" ✓ matches: enter confirms")
			}
			return []string{
				s.dryRunLine(),
				st.Danger.Render("PROD ") + q + st.Muted.Render(" ("+reason+")"),
				"Type " + st.Bold.Render(safe(s.ref.Name)) + " to confirm: " + st.Prompt.Render("> ") + safe(s.typed) + "▏" + ok,
			}
		}
		return []string{
			s.dryRunLine(),
			st.Warning.Render(q),
			st.Key.Render(k.Rollback.Confirm.Help().Key) + st.Muted.Render(" confirm · ") + st.Key.Render(k.Rollback.Cancel.Help().Key+"/"+k.Global.Back.Help().Key) + st.Muted.Render(" cancel (nothing is changed)"),
		}
	}
	return nil
}

// View renders the flow.
func (s Screen) View() string {
	if s.phase == Watching {
		return s.progressView()
	}
	head := s.title()
	if total := s.vp.TotalLineCount(); total > s.vp.Height() && s.vp.Height() > 0 {
		pos := s.c.Styles.Muted.Render(fmt.Sprintf(" ↑/↓ %d%%", int(s.vp.ScrollPercent()*100)))
		head = common.Truncate(head, max(s.width-common.Width(pos), 0)) + pos
	}
	parts := []string{head, common.Fit(s.vp.View(), s.width, s.vp.Height())}
	prompt := s.prompt()
	if n := s.promptHeight(); len(prompt) > n {
		// Small terminals keep the last lines: the question and its keys.
		prompt = prompt[len(prompt)-n:]
	}
	for len(prompt) < s.promptHeight() {
		prompt = append(prompt, "")
	}
	parts = append(parts, prompt...)
	return common.Fit(strings.Join(parts, "\n"), s.width, s.height)
}

func (s Screen) progressView() string {
	st := s.c.Styles
	now := s.c.Now()
	end := now
	if !s.finished.IsZero() {
		end = s.finished
	}
	elapsed := "elapsed " + end.Sub(s.started).Truncate(time.Second).String()
	head := st.Title.Render(fmt.Sprintf("Rolling back %s to revision %d", safe(s.ref.String()), s.plan.ToRevision))
	head = common.PadRight(head, max(s.width-len(elapsed), 0)) + st.Muted.Render(elapsed)
	lines := []string{head}
	if s.result != nil {
		msg := s.result.Message
		if s.live != nil && s.Landed() {
			msg += fmt.Sprintf("; it is now revision %d (was %d)", s.live.Current, s.plan.ToRevision)
		}
		lines = append(lines, st.Success.Render("✓ "+safe(msg)))
	}
	status := s.Status()
	switch {
	case s.live == nil:
		lines = append(lines, st.Muted.Render("… reading the rollout from the cache"))
	case !s.Landed():
		lines = append(lines, st.Info.Render("… waiting for the controller to pick up the change"))
	default:
		g, w := finder.PhaseText(status.Phase)
		style := st.Info
		switch status.Phase {
		case rollout.PhaseComplete:
			style = st.Success
		case rollout.PhaseFailed:
			style = st.Danger
		}
		lines = append(lines, style.Render(g+" "+w)+"  "+st.Muted.Render(safe(status.Message)))
	}
	lines = append(lines, "")
	d := max(status.Desired, 0)
	for _, b := range []struct {
		name string
		n    int32
	}{{"updated", status.Updated}, {"ready", status.Ready}, {"available", status.Available}} {
		pct := 0.0
		if d > 0 {
			pct = min(float64(b.n)/float64(d), 1)
		} else if s.Landed() {
			pct = 1
		}
		lines = append(lines, fmt.Sprintf("%-10s %s  %d/%d", b.name, s.bar.ViewAs(pct), b.n, d))
	}
	if s.progErr != nil {
		lines = append(lines, st.Error.Render("✗ reading the rollout: "+safe(s.progErr.Error())))
	}
	lines = append(lines, "")
	footer := s.doneLine()
	room := s.height - len(lines) - 1
	if footer != "" {
		room -= 2
	}
	if room > 0 {
		lines = append(lines, st.Bold.Render(fmt.Sprintf("Pods (%d)", len(s.pods))))
		nameW := 0
		for _, p := range s.pods {
			nameW = max(nameW, common.Width(p.Name))
		}
		for i, p := range s.pods {
			if i == room-1 && len(s.pods) > room {
				lines = append(lines, st.Muted.Render(fmt.Sprintf("  … %d more", len(s.pods)-i)))
				break
			}
			rev := "rev ?"
			if p.Revision > 0 {
				rev = fmt.Sprintf("rev %d", p.Revision)
			}
			lines = append(lines, "  "+common.PadRight(p.Name, nameW)+"  "+common.PadRight(rev, 7)+"  "+common.PadRight(p.State, 22)+st.Muted.Render(common.Age(now, p.Created)))
		}
	}
	if footer != "" {
		body := common.Fit(strings.Join(lines, "\n"), s.width, max(s.height-1, 0))
		return common.Fit(body+"\n"+footer, s.width, s.height)
	}
	return common.Fit(strings.Join(lines, "\n"), s.width, s.height)
}

// doneLine says how the rollout ended, and that leaving is safe.
func (s Screen) doneLine() string {
	st := s.c.Styles
	if s.finished.IsZero() {
		return st.Muted.Render("esc leaves this screen; the rollout goes on")
	}
	took := s.finished.Sub(s.started).Truncate(time.Second)
	if s.Status().Phase == rollout.PhaseFailed {
		return st.Danger.Render(fmt.Sprintf("✗ rollout failed after %s: %s", took, safe(s.Status().Message))) + st.Muted.Render(" · esc back to history")
	}
	return st.Success.Render(fmt.Sprintf("✓ rollout complete in %s", took)) + st.Muted.Render(" · esc back to history")
}
