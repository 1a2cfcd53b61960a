package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// appUndoFlags are undo's flags for an application (app/NAME).
type appUndoFlags struct {
	toTime string
	only   string
	bake   time.Duration
}

func (f *appUndoFlags) add(fs *pflag.FlagSet) {
	fs.StringVar(&f.toTime, "to-time", "", "With app/NAME: roll back to the revisions live at this time: HH:MM (today, or yesterday if later than now), RFC 3339, or a duration ago (30m); default just before the newest deploy")
	fs.StringVar(&f.only, "only", "", "With app/NAME: roll back only these components (comma-separated names); the others stay as they are")
	fs.DurationVar(&f.bake, "bake", action.DefaultBake, "With app/NAME: after the rollouts complete, wait up to this long for a healthy verdict when Prometheus is configured (0 skips the health check)")
}

// changed reports whether an application-only flag was given.
func (f *appUndoFlags) changed(cmd *cobra.Command) bool {
	for _, n := range []string{"to-time", "only", "bake"} {
		if cmd.Flags().Changed(n) {
			return true
		}
	}
	return false
}

// isAppArg reports whether undo's argument names an application.
func isAppArg(arg string) bool {
	kind, _, ok := strings.Cut(arg, "/")
	return ok && strings.EqualFold(kind, "app")
}

// undoApp rolls an application back to the revisions live at a time:
// plan every workload, show the plans together, have the API server dry
// run each, confirm once, execute in order and verify every rollout.
func (a *app) undoApp(ctx context.Context, cmd *cobra.Command, arg string, fl undoFlags, format func() (output.Format, error)) (err error) {
	f, err := format()
	if err != nil {
		return err
	}
	if !isAppArg(arg) {
		return usagef(cmd, "--to-time, --only and --bake apply to an application (app/NAME), not to %s; for one workload use --to-revision", arg)
	}
	_, name, _ := strings.Cut(arg, "/")
	if name == "" || strings.Contains(name, "/") {
		return usagef(cmd, "expected app/NAME (for example app/shop), got %q", arg)
	}
	if cmd.Flags().Changed("to-revision") {
		return usagef(cmd, "--to-revision names a revision of one workload; for an application use --to-time")
	}
	dry, err := action.ParseDryRun(fl.dryRun)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if fl.timeout < 0 || fl.app.bake < 0 {
		return usagef(cmd, "--timeout and --bake must not be negative")
	}
	if strings.ContainsAny(fl.reason+fl.incident, "\n\r") {
		return usagef(cmd, "--reason and --incident must be one line")
	}
	now := a.env.now()
	var at time.Time
	if fl.app.toTime != "" {
		if at, err = rollout.ParseTimeSpec(fl.app.toTime, now); err != nil {
			return usagef(cmd, "--to-time: %v", err)
		}
	}
	var only []string
	if fl.app.only != "" {
		only = strings.Split(fl.app.only, ",")
	}
	if err := a.startJournal(cmd, fl.incident, dry); err != nil {
		return err
	}
	defer func() { a.endJournal(ctx, cmd, err) }()
	conn, err := a.connect(ctx, true)
	if err != nil {
		return err
	}
	rec := a.recorder()
	exec := &action.Executor{Client: conn.Client, ReadOnly: a.readOnly, Ledger: a.ledger()}
	plan, err := action.PrepareAppUndo(ctx, exec, action.AppUndoRequest{Namespace: conn.Namespace, Name: name, At: at, Only: only,
		Reason: fl.reason, Incident: fl.incident, DryRun: dry, Now: now, Recorder: rec})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	planOut := out
	opts := a.outputOptions()
	if f.Machine() {
		planOut, opts.Color = cmd.ErrOrStderr(), false
	}
	printAppPlan(planOut, plan, opts)
	if plan.AccessErr != nil {
		fmt.Fprintf(planOut, "note: a real rollback would be refused: %s\n", textsafe.String(plan.AccessErr.Error()))
	}
	if dry == action.DryRunClient || plan.Changes() == 0 {
		return finishApp(out, f, plan, nil, nil, dry)
	}
	refusal := fmt.Sprintf("refusing to roll back application %s without confirmation: stdin is not a terminal; pass --yes to confirm, or --dry-run=server to only check", name)
	if dry == action.DryRunNone && !fl.yes && !a.env.stdinTTY {
		return fmt.Errorf("%s", refusal)
	}
	// Every workload's change through the API server's validation and
	// admission before anyone is asked: nothing is half applied because
	// the third patch would have been refused.
	checked := exec.UndoApp(ctx, plan, action.DryRunServer, nil, rec)
	if checked.Err != nil {
		printAppSteps(planOut, checked, opts)
		return fmt.Errorf("the server dry run refused %v; nothing was changed", checked.Err)
	}
	fmt.Fprintf(planOut, "%s server dry run: the API server accepted %s\n\n", opts.Styles().Success("✓"), plural(plan.Changes(), "change", "every change"))
	if dry == action.DryRunServer {
		return finishApp(out, f, plan, checked, nil, dry)
	}
	if !fl.yes {
		q := fmt.Sprintf("Roll back %d workload(s) of application %s in namespace %s to %s?", plan.Changes(),
			textsafe.String(name), textsafe.String(conn.Namespace), rollout.Clock(plan.At, now))
		if err := a.ask(ctx, cmd, q, refusal); err != nil {
			return err
		}
	}
	a.confirmed(action.AppUndoAction, conn.Namespace, "app/"+name, plan.Actor, fl.yes)
	res := exec.UndoApp(context.WithoutCancel(ctx), plan, action.DryRunNone, func(ce *action.ConflictError) bool {
		if !fl.yes {
			return false
		}
		printReplan(planOut, ce, opts)
		return true
	}, rec)
	printAppSteps(planOut, res, opts)
	if res.Err != nil {
		var ce *action.ConflictError
		if errors.As(res.Err, &ce) {
			printConflict(planOut, ce, opts)
		}
		return &exitError{code: exitFailed, msg: appFailure(res)}
	}
	applied := res.Applied()
	var health *metrics.Health
	if fl.app.bake > 0 {
		health = a.bakeHealth(cmd, planOut)
	}
	fmt.Fprintln(planOut)
	vs := a.verifyAll(ctx, conn, planOut, applied, health, fl.app.bake, fl.timeout, plan.Actor)
	for _, v := range vs {
		printVerification(planOut, v, opts)
	}
	if err := finishApp(out, f, plan, res, vs, dry); err != nil {
		return err
	}
	if ctx.Err() != nil {
		return &exitError{code: exitInterrupted, msg: "interrupted while verifying: the rollback was applied"}
	}
	return verificationError(vs, fl.timeout)
}

// appFailure says which workloads were rolled back and which were not.
func appFailure(res *action.AppResult) string {
	var done, left []string
	for _, s := range res.Steps {
		switch {
		case s.Result != nil && s.Result.Outcome == action.OutcomeApplied:
			done = append(done, s.Step.Workload.String())
		case s.NotAttempted:
			left = append(left, s.Step.Workload.String())
		}
	}
	msg := textsafe.String(res.Err.Error())
	if len(done) > 0 {
		msg += "; rolled back before it: " + strings.Join(done, ", ")
	} else {
		msg += "; nothing was changed"
	}
	if len(left) > 0 {
		msg += "; not attempted: " + strings.Join(left, ", ")
	}
	var ce *action.ConflictError
	if errors.As(res.Err, &ce) {
		msg += "; review with mayday history/diff, then run the undo again (--yes plans again once and applies)"
	}
	return msg
}

// bakeHealth is the health for verification, or nil after saying why
// health will not be checked.
func (a *app) bakeHealth(cmd *cobra.Command, w io.Writer) *metrics.Health {
	h, note := a.healthOrNote(cmd)
	if h == nil {
		fmt.Fprintf(w, "note: health will not be checked: %s\n", textsafe.String(note))
	}
	return h
}

// verifyAll verifies the rollouts at once (they progress in parallel in
// the cluster anyway).
func (a *app) verifyAll(ctx context.Context, conn *kube.Connection, w io.Writer, refs []rollout.Ref, health *metrics.Health, bake, timeout time.Duration, actor string) []*action.Verification {
	vf := a.verifier(conn, w, health, bake, timeout, action.AppUndoAction, actor, len(refs) > 1)
	out := make([]*action.Verification, len(refs))
	var wg sync.WaitGroup
	for i, ref := range refs {
		wg.Go(func() { out[i] = vf.Verify(ctx, ref) })
	}
	wg.Wait()
	return out
}

func printAppPlan(w io.Writer, p *action.AppPlan, o output.Options) {
	st := o.Styles()
	now := o.Now
	if now.IsZero() {
		now = time.Now()
	}
	fmt.Fprintln(w, st.Bold(fmt.Sprintf("Plan: roll back application %s in namespace %s to %s",
		textsafe.String(p.App.Name), textsafe.String(p.App.Namespace), rollout.Clock(p.At, now))))
	if p.Suspect != nil {
		fmt.Fprintf(w, "  just before the newest deploy: %s revision %d started at %s\n",
			textsafe.String(p.Suspect.Workload.String()), p.Suspect.Revision, rollout.Clock(p.Suspect.Start.In(p.At.Location()), now))
	}
	fmt.Fprintf(w, "  components (%s): %s\n\n", p.App.Label+"="+textsafe.String(p.App.Name), textsafe.String(p.App.ComponentList()))
	for _, s := range p.Steps {
		name := textsafe.String(s.Workload.String())
		switch {
		case s.Unchanged:
			fmt.Fprintf(w, "  %-28s unchanged (revision %d was live then and is now)\n", name, s.LiveRevision)
		default:
			fmt.Fprintf(w, "  %-28s revision %d → %d\n", name, s.Current, s.LiveRevision)
		}
		if s.Estimated {
			fmt.Fprintf(w, "  %-28s %s\n", "", st.Warning(fmt.Sprintf("! when revision %d became live again is estimated: the rollback left no time", s.LiveRevision)))
		}
	}
	for _, s := range p.Steps {
		if s.Plan == nil {
			continue
		}
		fmt.Fprintln(w)
		output.PrintPlan(w, s.Plan, p.Histories[s.Workload], o)
	}
	fmt.Fprintln(w)
}

func printAppSteps(w io.Writer, r *action.AppResult, o output.Options) {
	st := o.Styles()
	for _, s := range r.Steps {
		name := textsafe.String(s.Step.Workload.String())
		switch {
		case s.NotAttempted:
			fmt.Fprintf(w, "%s %s not attempted\n", st.Muted("-"), name)
		case s.Err != nil:
			fmt.Fprintf(w, "%s %s: %s\n", st.Danger("✗"), name, textsafe.String(s.Err.Error()))
		case s.Result.Outcome == action.OutcomeSkipped:
			fmt.Fprintf(w, "%s %s %s\n", st.Muted("="), name, textsafe.String(s.Result.Message))
		case s.Result.Outcome == action.OutcomeDryRun:
			fmt.Fprintf(w, "%s %s accepted by the server dry run\n", st.Success("✓"), name)
		default:
			fmt.Fprintf(w, "%s %s rolled back to revision %d\n", st.Success("✓"), name, s.Result.Plan.ToRevision)
		}
	}
}

// AppUndoDoc is the document `mayday undo app/NAME -o json|yaml` prints.
type AppUndoDoc struct {
	Kind      string                 `json:"kind"` // always "AppUndo"
	App       string                 `json:"app"`
	Namespace string                 `json:"namespace"`
	At        time.Time              `json:"at"`
	Suspect   *action.Suspect        `json:"suspect,omitempty"`
	DryRun    action.DryRun          `json:"dryRun"`
	Steps     []AppUndoStepDoc       `json:"steps"`
	Verified  []*action.Verification `json:"verifications,omitempty"`
}

// AppUndoStepDoc is one workload of an application rollback.
type AppUndoStepDoc struct {
	Workload     string          `json:"workload"`
	FromRevision int64           `json:"fromRevision"`
	ToRevision   int64           `json:"toRevision"`
	Unchanged    bool            `json:"unchanged"`
	Outcome      action.Outcome  `json:"outcome,omitempty"`
	Message      string          `json:"message,omitempty"`
	Plan         *output.PlanDoc `json:"plan,omitempty"`
}

func finishApp(w io.Writer, f output.Format, p *action.AppPlan, res *action.AppResult, vs []*action.Verification, dry action.DryRun) error {
	if !f.Machine() {
		if dry == action.DryRunClient {
			fmt.Fprintln(w, "client dry run: nothing was sent")
		} else if p.Changes() == 0 {
			fmt.Fprintln(w, "Nothing to do: every component already runs the revision live at that time")
		}
		return nil
	}
	doc := AppUndoDoc{Kind: "AppUndo", App: p.App.Name, Namespace: p.App.Namespace, At: p.At.UTC(), Suspect: p.Suspect, DryRun: dry, Verified: vs}
	for i, s := range p.Steps {
		sd := AppUndoStepDoc{Workload: s.Workload.String(), FromRevision: s.Current, ToRevision: s.LiveRevision, Unchanged: s.Unchanged}
		if s.Plan != nil {
			pd := output.NewPlanDoc(s.Plan)
			sd.Plan = &pd
		}
		if res != nil && i < len(res.Steps) {
			rs := res.Steps[i]
			switch {
			case rs.Result != nil:
				sd.Outcome, sd.Message = rs.Result.Outcome, rs.Result.Message
			case rs.Err != nil:
				sd.Outcome, sd.Message = action.OutcomeNotApplied, rs.Err.Error()
			case rs.NotAttempted:
				sd.Outcome, sd.Message = action.OutcomeNotApplied, "not attempted"
			}
		}
		doc.Steps = append(doc.Steps, sd)
	}
	return output.WriteDoc(w, f, doc)
}

// plural is "the change" for one, else all (e.g. "all 3 changes").
func plural(n int, one, all string) string {
	if n == 1 {
		return "the " + one
	}
	return fmt.Sprintf("%s (%d)", all, n)
}
