package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollback"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

type undoFlags struct {
	toRevision string
	dryRun     string
	reason     string
	incident   string
	yes        bool
	// watch follows the rollout after the rollback, as status --watch.
	watch   bool
	timeout time.Duration
	// app holds the flags of an application rollback (app/NAME).
	app appUndoFlags
}

func newUndoCmd(a *app) *cobra.Command {
	var fl undoFlags
	cmd := &cobra.Command{
		Use:   "undo KIND/NAME | app/NAME",
		Short: "Roll back to an earlier revision, exactly as kubectl rollout undo, with a plan first",
		Long: `Roll a deployment, statefulset or daemonset back to an earlier revision.

mayday first reads the history, your permission and your identity (at once),
and prints the plan: from and to which revision, what changes, and warnings
(kubectl apply or GitOps will revert it, an autoscaler, mutable image tags).
On a terminal it then asks for confirmation; elsewhere pass --yes.

The write only succeeds if the workload is unchanged since the plan. If it
changed, mayday says what changed and stops; with --yes it plans again once,
shows what changed in the plan, and applies the new plan. The rollback is
recorded on the workload (change-cause, actor, incident) and in an Event.

--to-revision 0 (the default) means the previous revision, as in kubectl.

app/NAME rolls back an application: every workload of the namespace labelled
app.kubernetes.io/part-of=NAME (or app.kubernetes.io/instance=NAME) goes
back to the revision live at --to-time (default: just before the newest
deploy); --only restricts it to some components. All plans are shown and
dry run on the server, confirmed once, applied in order and verified.`,
		Example: `  mayday --demo undo deployment/checkout --to-revision 4 --dry-run=server
  mayday --demo undo deployment/checkout --to-revision 4 --reason "INC-42 payment client regression" --yes
  mayday undo sts/ledger -n prod --incident INC-42 --reason "fsync regression"
  mayday --demo undo app/shop --to-time 30m --dry-run=server
  mayday undo app/shop -n prod --to-time 13:55 --only checkout,payments --reason "INC-42" --yes`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	format := addOutputFlag(cmd, "Output format of the result: table, json or yaml (the plan goes to stderr with json/yaml)")
	f := cmd.Flags()
	f.StringVar(&fl.toRevision, "to-revision", "0", "The revision to roll back to; 0 means the previous revision")
	f.StringVar(&fl.dryRun, "dry-run", "none", `"none" changes the cluster, "client" only prints the plan, "server" has the API server validate the change without persisting it`)
	f.StringVar(&fl.reason, "reason", "", "Why you roll back; recorded in the change-cause and the Event")
	f.StringVar(&fl.incident, "incident", "", "Incident to journal this action in (joined when its journal exists, else opened with this id; default: the open incident about the workload, else a new one); recorded as the mayday.dev/incident annotation")
	f.BoolVarP(&fl.yes, "yes", "y", false, "Do not ask for confirmation; after a conflict, plan again once and apply")
	f.BoolVarP(&fl.watch, "watch", "w", false, "After the rollback, follow the rollout until it is complete, has failed or --timeout passes (exit codes as status --watch)")
	f.DurationVar(&fl.timeout, "timeout", 0, "With --watch, stop following after this long (exit 3); 0 waits until the rollout ends")
	fl.app.add(f)
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		if isAppArg(args[0]) || fl.app.changed(cmd) {
			return a.undoApp(ctx, cmd, args[0], fl, format)
		}
		return a.undo(ctx, cmd, args[0], fl, format)
	})
	return cmd
}

func (a *app) undo(ctx context.Context, cmd *cobra.Command, arg string, fl undoFlags, format func() (output.Format, error)) (err error) {
	f, err := format()
	if err != nil {
		return err
	}
	if err := parseRef(cmd, arg); err != nil {
		return err
	}
	to, err := parseRevision(cmd, "--to-revision", fl.toRevision, true)
	if err != nil {
		return err
	}
	dry, err := action.ParseDryRun(fl.dryRun)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if fl.timeout != 0 && !fl.watch {
		return usagef(cmd, "--timeout only applies with --watch")
	}
	if fl.watch && dry != action.DryRunNone {
		return usagef(cmd, "--watch follows a rollback; with --dry-run=%s nothing rolls out", dry)
	}
	if fl.timeout < 0 {
		return usagef(cmd, "invalid --timeout %s: must not be negative", fl.timeout)
	}
	if strings.ContainsAny(fl.reason+fl.incident, "\n\r") {
		return usagef(cmd, "--reason and --incident must be one line")
	}
	if err := a.startJournal(cmd, fl.incident, dry); err != nil {
		return err
	}
	defer func() { a.endJournal(ctx, cmd, err) }()
	conn, err := a.connect(ctx, true)
	if err != nil {
		return err
	}
	ref, err := a.ref(cmd, arg, conn)
	if err != nil {
		return err
	}
	exec := &action.Executor{Client: conn.Client, ReadOnly: a.readOnly, Ledger: a.ledger()}
	prep, err := rollback.Prepare(ctx, conn.Client, exec, rollback.Request{
		Ref: ref, ToRevision: to, Reason: fl.reason, Incident: fl.incident, DryRun: dry, Now: a.env.now(),
	})
	if err != nil {
		return err
	}

	out := cmd.OutOrStdout()
	// With -o json|yaml stdout carries only the result document; the plan
	// a person confirms goes to stderr.
	planOut := out
	if f.Machine() {
		planOut = cmd.ErrOrStderr()
	}
	opts := a.outputOptions()
	if f.Machine() {
		opts.Color = false
	}
	output.PrintPlan(planOut, prep.Plan, prep.History, opts)
	fmt.Fprintln(planOut)
	if prep.AccessErr != nil {
		fmt.Fprintf(planOut, "note: a real undo would be refused: %s\n", textsafe.String(prep.AccessErr.Error()))
	}

	rec := a.recorder()
	undoEvent := func(phase action.Phase, detail map[string]any) {
		rec.Record(action.Event{Time: a.env.now(), Action: "undo", Namespace: ref.Namespace, Workload: ref.String(),
			Phase: phase, Actor: prep.Actor, Detail: detail})
	}
	if dry == action.DryRunNone && !prep.Plan.Skip {
		a.deployedMilestone("undo", prep.History)
		undoEvent(action.PhasePlanned, map[string]any{"summary": fmt.Sprintf("roll back from revision %d to revision %d", prep.Plan.FromRevision, prep.Plan.ToRevision),
			"fromRevision": prep.Plan.FromRevision, "toRevision": prep.Plan.ToRevision, "reason": fl.reason})
	}
	if dry == action.DryRunNone && !prep.Plan.Skip && !fl.yes {
		if err := a.confirm(ctx, cmd, prep.Plan); err != nil {
			return err
		}
	}
	if dry == action.DryRunNone && !prep.Plan.Skip {
		how := "on the terminal"
		if fl.yes {
			how = "with --yes"
		}
		undoEvent(action.PhaseConfirmed, map[string]any{"summary": "confirmed " + how + " by " + prep.Actor})
	}

	var conflict *output.ConflictDoc
	outcome, err := rollback.Execute(ctx, exec, prep.Plan, dry, func(ce *action.ConflictError) bool {
		if !fl.yes {
			return false
		}
		conflict = output.NewConflictDoc(ce)
		printReplan(planOut, ce, opts)
		return true
	})
	var ce *action.ConflictError
	if errors.As(err, &ce) {
		printConflict(planOut, ce, opts)
		return conflictError(ce, fl.yes, conflict != nil)
	}
	if outcome == nil || outcome.Result == nil {
		return err
	}
	res := outcome.Result
	if res.Outcome == action.OutcomeApplied && dry == action.DryRunNone {
		undoEvent(action.PhaseExecuted, map[string]any{"summary": res.Message, "toRevision": res.Plan.ToRevision, "resourceVersion": res.ResourceVersion})
	}
	newRevision := int64(0)
	if res.Outcome == action.OutcomeApplied && outcome.Conflict == nil {
		newRevision = rollback.NextRevision(prep.History)
	}
	if f.Machine() {
		if werr := output.WriteDoc(out, f, output.NewUndoDoc(res, newRevision, conflict)); werr != nil {
			return werr
		}
	} else {
		hint := a.statusHint(ref)
		if fl.watch {
			hint = ""
		}
		printResult(out, res, newRevision, hint, opts)
	}
	if err != nil {
		// Only an unknown outcome that reading back showed not applied
		// returns both a result and an error.
		return &exitError{code: exitFailed, msg: textsafe.String(res.Message)}
	}
	if fl.watch && res.Outcome == action.OutcomeApplied {
		obj, err := getWorkload(ctx, conn, ref)
		if err != nil {
			return err
		}
		if !f.Machine() {
			fmt.Fprintln(out)
		}
		if err := a.watchStatus(ctx, cmd, conn, ref, f, fl.timeout, a.judge(ctx, conn, obj)); err != nil {
			undoEvent(action.PhaseFailed, map[string]any{"summary": "the rollout did not complete: " + oneLine(err.Error())})
			return err
		}
		a.milestone(a.env.now(), "undo", ref, incident.MilestoneRolloutComplete, fmt.Sprintf("rollout of revision %d complete", newRevision))
		undoEvent(action.PhaseVerified, map[string]any{"summary": fmt.Sprintf("rolled back to revision %d; rollout complete", res.Plan.ToRevision)})
		a.analyzeAfter(ctx, cmd, conn, ref, res.Plan.FromRevision, newRevision) // the good revision is renumbered by the rollback
	}
	return nil
}

// confirm asks on the terminal. Without a terminal it refuses: a
// rollback nobody confirmed must not happen because stdin was a pipe.
func (a *app) confirm(ctx context.Context, cmd *cobra.Command, p *rollout.Plan) error {
	if !a.env.stdinTTY {
		return fmt.Errorf("refusing to roll back %s without confirmation: stdin is not a terminal; pass --yes to confirm, or --dry-run=server to only check", p.Workload)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "Roll back %s in namespace %s from revision %d to revision %d? [y/N] ",
		textsafe.String(p.Workload.String()), textsafe.String(p.Workload.Namespace), p.FromRevision, p.ToRevision)
	answer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(cmd.InOrStdin()).ReadString('\n')
		answer <- strings.ToLower(strings.TrimSpace(line))
	}()
	select {
	case <-ctx.Done():
		fmt.Fprintln(cmd.ErrOrStderr())
		return &exitError{code: exitInterrupted, msg: "interrupted: nothing was changed"}
	case s := <-answer:
		if s == "y" || s == "yes" {
			return nil
		}
		return &exitError{code: exitFailed, msg: "not confirmed: nothing was changed"}
	}
}

func printReplan(w io.Writer, ce *action.ConflictError, o output.Options) {
	st := o.Styles()
	fmt.Fprintln(w, st.Warning("! conflict:")+" "+textsafe.String(ce.Error()))
	if len(ce.Concurrent.Summary) > 0 {
		output.PrintChanges(w, "Changed meanwhile by someone else", ce.Concurrent.Summary, o)
	}
	fmt.Fprintln(w, "Planned again (--yes); what changed in the plan:")
	for _, c := range output.PlanChanges(ce.Old, ce.New) {
		fmt.Fprintln(w, "  - "+c)
	}
	fmt.Fprintln(w)
	output.PrintPlan(w, ce.New, nil, o)
	fmt.Fprintln(w)
}

func printConflict(w io.Writer, ce *action.ConflictError, o output.Options) {
	if len(ce.Concurrent.Summary) > 0 {
		output.PrintChanges(w, "Changed meanwhile by someone else", ce.Concurrent.Summary, o)
	}
}

// conflictError is the one-line error for a conflict that stops the undo.
func conflictError(ce *action.ConflictError, yes, replanned bool) error {
	msg := textsafe.String(ce.Error())
	if len(ce.Concurrent.Summary) > 0 {
		parts := make([]string, 0, len(ce.Concurrent.Summary))
		for _, c := range ce.Concurrent.Summary {
			parts = append(parts, string(c.Kind)+" "+output.ChangeText(c, output.Styles{}))
		}
		msg += "; changed meanwhile: " + strings.Join(parts, ", ")
	}
	switch {
	case replanned:
		msg += "; it changed again after planning a second time: check with mayday history, then run undo again"
	case !yes:
		msg += "; review with mayday history/diff, then run undo again (--yes plans again once and applies)"
	}
	return &exitError{code: exitFailed, msg: msg}
}

func printResult(w io.Writer, res *action.Result, newRevision int64, hint string, o output.Options) {
	st := o.Styles()
	p := res.Plan
	name := textsafe.String(p.Workload.String())
	switch res.Outcome {
	case action.OutcomeSkipped:
		fmt.Fprintf(w, "%s skipped rollback (%s)\n", name, textsafe.String(p.SkipReason))
		return
	case action.OutcomeDryRun:
		fmt.Fprintf(w, "%s %s\n", st.Success("✓"), textsafe.String(res.Message))
		return
	case action.OutcomeNotApplied:
		fmt.Fprintf(w, "%s %s\n", st.Danger("✗ outcome was unknown:"), textsafe.String(res.Message))
		return
	}
	if res.Unknown {
		fmt.Fprintf(w, "%s %s\n", st.Warning("! outcome was unknown:"), textsafe.String(res.Message))
	}
	line := fmt.Sprintf("%s rolled back to revision %d", name, p.ToRevision)
	if newRevision > 0 {
		line += fmt.Sprintf(" (it becomes revision %d)", newRevision)
	}
	fmt.Fprintln(w, st.Success("✓")+" "+line)
	if res.EventError != "" {
		fmt.Fprintf(w, "note: the rollback is done but its Event could not be recorded: %s\n", textsafe.String(res.EventError))
	}
	if hint != "" {
		fmt.Fprintln(w, "watch the rollout: "+hint)
	}
}

// statusHint is the command that follows this rollout, with the flags
// that select the same cluster and namespace.
func (a *app) statusHint(ref rollout.Ref) string {
	if a.demo {
		// Each --demo process has its own cluster: another process would
		// not see this rollback.
		return "the demo cluster lives in this process only: run undo with --watch to follow the rollout"
	}
	parts := []string{"mayday"}
	if c := *a.kube.Context; c != "" && !a.demo {
		parts = append(parts, "--context", c)
	}
	if k := *a.kube.KubeConfig; k != "" {
		parts = append(parts, "--kubeconfig", k)
	}
	parts = append(parts, "status", ref.String(), "-n", ref.Namespace, "--watch")
	return textsafe.String(strings.Join(parts, " "))
}
