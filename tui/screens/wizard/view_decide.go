package wizard

import (
	"fmt"
	"strings"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/tui/common"
)

// questionView is the question on screen: its answers with the evidence's
// marked, where the evidence's answer came from, and the answers so far.
func (s Screen) questionView() string {
	st := s.c.Styles
	w := s.walk
	cur := w.current()
	q := cur.Question
	lines := []string{""}
	if s.deps.Decision != nil && s.deps.Decision.PolicyErr != nil {
		lines = append(s.hanging(st.Warning.Render("⚠ "), st.Warning.Render(safe(s.deps.Decision.PolicyErr.Error())+"; the default policy decides")), "")
	}
	if w.err != nil {
		lines = append(lines, s.hanging(st.Error.Render("✗ "), st.Error.Render(safe(w.err.Error())))...)
	}
	lines = append(lines, st.Muted.Render(fmt.Sprintf("Question %d · %s", w.cursor+1, safe(q.ID))))
	lines = append(lines, s.hanging("", st.Bold.Render(safe(q.Text)))...)
	lines = append(lines, "")
	evAnswer, evSource, evOK := evidenceAnswer(cur.Step)
	if q.Type == decide.Text {
		lines = append(lines, "  "+st.Prompt.Render("> ")+safe(s.typed)+"▏")
		hint := "free text"
		if q.Format == decide.FormatImage {
			hint = "an image reference with a tag or digest, such as registry.example/app:1.2.3 (ctrl+u clears)"
		}
		lines = append(lines, "  "+st.Muted.Render(hint))
	} else {
		for i, v := range q.Values {
			mark := ""
			switch {
			case evOK && v == evAnswer:
				mark = "← evidence"
				if cur.Step != nil && cur.Step.Engineer != "" {
					mark = "← the evidence said"
				}
			case cur.Step != nil && cur.Step.Engineer != "" && v == cur.Step.Answer:
				mark = "← your answer"
			}
			row := common.PadRight("  "+safe(v), max(common.Width(v)+3, 14))
			if i == s.choice {
				row = st.Selected.Render(common.PadRight("› "+safe(v), max(common.Width(v)+3, 14)))
			}
			if mark != "" {
				row += "  " + st.Muted.Render(mark)
			}
			lines = append(lines, "  "+row)
		}
	}
	lines = append(lines, "")
	switch {
	case cur.Open:
		why := q.Why
		if why == "" {
			why = "no evidence answers it"
		}
		lines = append(lines, s.hanging("  "+st.Warning.Render("? needs your answer: "), safe(why))...)
	case cur.Step != nil && cur.Step.Engineer != "":
		by := "  " + st.Warning.Render("answered by "+safe(cur.Step.Engineer))
		if evOK {
			lines = append(lines, s.hanging(by+st.Muted.Render(" · the evidence said "+safe(evAnswer)+": "), safe(evSource))...)
		} else {
			lines = append(lines, by+st.Muted.Render(" · no evidence answers it"))
		}
	case evOK:
		lines = append(lines, s.hanging("  "+st.Muted.Render("evidence  "), safe(evSource))...)
	}
	if s.answerErr != "" {
		lines = append(lines, s.hanging("  "+st.Error.Render("✗ "), st.Error.Render(s.answerErr))...)
	}
	// The answers so far, as many as fit, the nearest first kept.
	room := s.bodyHeight() - len(lines) - 2
	if prev := s.pathRows(0, w.cursor); len(prev) > 0 && room > 0 {
		lines = append(lines, "", st.Bold.Render(fmt.Sprintf("So far (%d)", len(prev))))
		if len(prev) > room {
			prev = append([]string{st.Muted.Render(fmt.Sprintf("  … %d earlier", len(prev)-room+1))}, prev[len(prev)-room+1:]...)
		}
		lines = append(lines, prev...)
	}
	return strings.Join(lines, "\n")
}

// pathRows are the path's steps from..to, one line each: the question,
// the answer (marked * when a person changed it) and its source.
func (s Screen) pathRows(from, to int) []string {
	st := s.c.Styles
	path := s.walk.rec.Path
	to = min(to, len(path))
	idW, ansW := 0, 8
	for _, p := range path[from:to] {
		idW = max(idW, common.Width(p.Node))
		ansW = max(ansW, common.Width(p.Answer)+1)
	}
	ansW = min(ansW, max(s.width/3, 9))
	var out []string
	for i := from; i < to; i++ {
		p := path[i]
		answer := safe(p.Answer)
		source := safe(p.Source)
		style := st.Base
		if p.Engineer != "" {
			style = st.Warning
			if p.Overridden {
				answer += "*"
				source = "override by " + safe(p.Engineer) + "; the evidence said " + safe(p.PreAnswer) + ": " + safe(p.PreAnswerSource)
			}
		}
		row := fmt.Sprintf("  %2d %s  ", i+1, common.PadRight(safe(p.Node), idW)) + style.Render(common.PadRight(answer, ansW)) + "  " + st.Muted.Render(source)
		out = append(out, common.Truncate(row, s.width))
	}
	return out
}

// recommendationLines are the recommendation: action and target, the
// expected recovery, reasons, risks, and the path with its sources.
func (s Screen) recommendationLines() []string {
	st := s.c.Styles
	rec := s.walk.rec
	var out []string
	if s.deps.Decision != nil && s.deps.Decision.PolicyErr != nil {
		out = append(out, s.hanging(st.Warning.Render("⚠ "), st.Warning.Render(safe(s.deps.Decision.PolicyErr.Error())+"; the default policy decides"))...)
	}
	head := "→ " + strings.ToUpper(string(rec.Action))
	if rec.Target.Text != "" {
		head += " to " + rec.Target.Text
	}
	style := st.Warning
	switch rec.Action {
	case decide.NoAction:
		style = st.Success
	case decide.Investigate:
		style = st.Info
	}
	out = append(out, style.Bold(true).Render(head))
	if rec.Target.Basis != "" {
		out = append(out, s.hanging("  "+st.Muted.Render("target    "), rec.Target.Basis)...)
	}
	out = append(out, s.hanging("  "+st.Muted.Render("recovery  "), rec.ExpectedRecovery.String())...)
	out = append(out, "")
	if len(rec.Reasons) > 0 {
		out = append(out, st.Bold.Render("Reasons"))
		for _, r := range rec.Reasons {
			out = append(out, s.hanging("  - ", r)...)
		}
		out = append(out, "")
	}
	if len(rec.Risks) > 0 {
		out = append(out, st.Bold.Render("Risks"))
		for _, r := range rec.Risks {
			out = append(out, s.hanging("  "+st.Warning.Render("⚠ "), r)...)
		}
		out = append(out, "")
	}
	over, answered := s.walk.overrides()
	title := fmt.Sprintf("Path (%d questions", len(rec.Path))
	if answered > 0 {
		title += fmt.Sprintf(" · %d answered by you", answered)
	}
	if over > 0 {
		title += fmt.Sprintf(" · %d %s", over, plural(over, "override", "overrides"))
	}
	out = append(out, st.Bold.Render(title+")"))
	out = append(out, s.pathRows(0, len(rec.Path))...)
	if len(rec.Unused) > 0 {
		out = append(out, s.hanging("  "+st.Muted.Render("not on this path: "), strings.Join(rec.Unused, ", "))...)
	}
	return out
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// prompt is the fixed area under the scrolled text: what x does, or why
// it does nothing.
func (s Screen) prompt() []string {
	switch s.Phase() {
	case Recommending:
		return s.recommendationPrompt()
	case Executing:
		if s.rb == nil {
			return s.opPrompt()
		}
	case Verifying, Finished:
		return s.verifyPrompt()
	}
	return nil
}

func (s Screen) recommendationPrompt() []string {
	st := s.c.Styles
	k := s.c.Keys
	x := s.exec
	more := st.Key.Render(k.Wizard.Previous.Help().Key) + st.Muted.Render(" review the answers · ") +
		st.Key.Render(k.Wizard.Regather.Help().Key) + st.Muted.Render(" gather the evidence again")
	cli := func(first string) []string {
		out := s.hanging("", first)
		out = append(out, s.hanging("  ", safe(x.cli))...)
		return append(out, more)
	}
	switch {
	case x.kind == execNone:
		return []string{st.Info.Render("i " + x.note), more}
	case x.kind == execCommand:
		return cli(st.Info.Render("i "+safe(x.note)) + st.Muted.Render(" Run:"))
	case !s.actionable(x):
		return cli(st.Error.Render("✗ cannot execute here: the console has no client to act with.") + st.Muted.Render(" Run:"))
	case !k.Wizard.Execute.Enabled():
		return cli(st.Error.Render("✗ execution refused: "+safe(s.readOnlyReason())+".") + st.Muted.Render(" From a shell that may act:"))
	}
	return []string{
		st.Key.Render(k.Wizard.Execute.Help().Key) + " " + st.Bold.Render("execute: "+safe(x.label)) +
			st.Muted.Render(" — plan, dry run, confirm"),
		more,
	}
}

func (s Screen) readOnlyReason() string {
	for _, d := range s.c.Keys.Disabled {
		if d.Action == "wizard.execute" {
			return d.Reason
		}
	}
	if s.c.ReadOnlyReason != "" {
		return s.c.ReadOnlyReason
	}
	return "execution is disabled"
}
