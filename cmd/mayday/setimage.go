package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// The --fallback choices of set-image.
const (
	fallbackRollback = "rollback"
	fallbackOffer    = "offer"
	fallbackNone     = "none"
)

type setImageFlags struct {
	reason, incident string
	dryRun           string
	yes              bool
	watch            bool
	fallback         string
	bake, timeout    time.Duration
}

func newSetImageCmd(a *app) *cobra.Command {
	var fl setImageFlags
	cmd := &cobra.Command{
		Use:   "set-image KIND/NAME CONTAINER=IMAGE...",
		Short: "Roll forward: set container images, with a plan first and a fallback if the rollout fails",
		Long: `Set one or more container images of a deployment, statefulset or daemonset
(a rollforward), as kubectl set image does, with a plan first: each image
reference is checked, the diff and warnings are shown, the API server dry
runs the change, and the write only succeeds if the workload is unchanged
since the plan. The change-cause becomes "mayday: set image C=I: <reason>".

With --watch, mayday follows the rollout and, when Prometheus is configured,
waits up to --bake for a healthy verdict. If the rollout fails (progress
deadline exceeded) or health is still critical after the bake:
  --fallback=rollback  rolls back to the last known good revision (the newest
                       earlier revision that was healthy while live; without
                       health data, the revision live before the rollforward)
  --fallback=offer     asks whether to (the default on a terminal)
  --fallback=none      only reports, with the command to roll back
--fallback=rollback implies --watch.

Exit codes: 0 applied (and, when followed, verified), 1 failed or not
verified (also when the fallback rolled back), 2 usage, 3 --timeout passed.`,
		Example: `  mayday --demo set-image deployment/checkout checkout=registry.example.com/shop/checkout:2.15.1 --dry-run=server
  mayday set-image deploy/checkout checkout=registry.example/checkout:2.1.1 --reason "INC-42 fix" --watch --fallback=rollback --yes
  mayday set-image ds/log-agent log-agent=cr.fluentbit.io/fluent/fluent-bit:3.2.3 --reason "CVE fix"`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) < 2 {
				return usagef(cmd, "%s takes KIND/NAME and at least one CONTAINER=IMAGE, got %d argument(s)", cmd.CommandPath(), len(args))
			}
			return nil
		},
	}
	format := addOutputFlag(cmd, "Output format of the result: table, json or yaml (the plan goes to stderr with json/yaml)")
	f := cmd.Flags()
	f.StringVar(&fl.reason, "reason", "", "Why you roll forward; recorded in the change-cause and the Event")
	f.StringVar(&fl.incident, "incident", "", "Incident to journal this action in (joined when its journal exists, else opened with this id; default: the open incident about the workload, else a new one); recorded as the mayday.dev/incident annotation")
	f.StringVar(&fl.dryRun, "dry-run", "none", `"none" changes the cluster, "client" only prints the plan, "server" has the API server validate the change without persisting it`)
	f.BoolVarP(&fl.yes, "yes", "y", false, "Do not ask for confirmation (also not before a fallback rollback)")
	f.BoolVarP(&fl.watch, "watch", "w", false, "Follow the rollout, then the health verdict for up to --bake; fall back as --fallback says")
	f.StringVar(&fl.fallback, "fallback", "", "When the rollout fails or health stays critical: rollback, offer or none (default offer on a terminal, none otherwise)")
	f.DurationVar(&fl.bake, "bake", action.DefaultBake, "After the rollout completes, wait up to this long for a healthy verdict (0 skips the health check)")
	f.DurationVar(&fl.timeout, "timeout", 0, "Stop following the rollout after this long (exit 3); 0 waits until it completes or fails")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		return a.setImage(ctx, cmd, args, fl, format)
	})
	return cmd
}

func (a *app) setImage(ctx context.Context, cmd *cobra.Command, args []string, fl setImageFlags, format func() (output.Format, error)) (err error) {
	f, err := format()
	if err != nil {
		return err
	}
	if err := parseRef(cmd, args[0]); err != nil {
		return err
	}
	settings, err := rollout.ParseImageSettings(args[1:])
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	dry, err := action.ParseDryRun(fl.dryRun)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if fl.fallback == "" {
		fl.fallback = fallbackNone
		if a.env.stdinTTY {
			fl.fallback = fallbackOffer
		}
	}
	switch fl.fallback {
	case fallbackRollback:
		fl.watch = true
	case fallbackOffer, fallbackNone:
	default:
		return usagef(cmd, "invalid --fallback %q: use rollback, offer or none", fl.fallback)
	}
	if fl.watch && dry != action.DryRunNone {
		return usagef(cmd, "--watch and --fallback=rollback follow a change; with --dry-run=%s nothing rolls out", dry)
	}
	if fl.timeout < 0 || fl.bake < 0 {
		return usagef(cmd, "--timeout and --bake must not be negative")
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
	ref, err := a.ref(cmd, args[0], conn)
	if err != nil {
		return err
	}
	rec := a.recorder()
	exec := &action.Executor{Client: conn.Client, ReadOnly: a.readOnly, Ledger: a.ledger()}
	prep, err := action.PrepareSetImage(ctx, exec, action.SetImageRequest{Ref: ref, Settings: settings, Reason: fl.reason,
		Incident: fl.incident, DryRun: dry, Now: a.env.now(), Recorder: rec})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	planOut, opts := out, a.outputOptions()
	if f.Machine() {
		planOut, opts.Color = cmd.ErrOrStderr(), false
	}
	printImagePlan(planOut, prep.Plan, opts)
	if prep.AccessErr != nil {
		fmt.Fprintf(planOut, "note: a real change would be refused: %s\n", textsafe.String(prep.AccessErr.Error()))
	}
	p := prep.Plan
	refusal := fmt.Sprintf("refusing to change %s without confirmation: stdin is not a terminal; pass --yes to confirm, or --dry-run=server to only check", ref)
	if dry == action.DryRunNone && !p.Skip && !fl.yes && !a.env.stdinTTY {
		return fmt.Errorf("%s", refusal)
	}
	if dry == action.DryRunNone && !p.Skip {
		// The API server's validation and admission first, so a refused
		// image or policy is known before anyone confirms.
		if _, err := exec.SetImage(ctx, p, action.DryRunServer, rec); err != nil {
			return fmt.Errorf("the server dry run refused the change: %w; nothing was changed", err)
		}
		fmt.Fprintf(planOut, "%s server dry run: the API server accepted the change\n", opts.Styles().Success("✓"))
		if !fl.yes {
			q := fmt.Sprintf("Set image %s on %s in namespace %s?", textsafe.String(imageList(p.Settings)),
				textsafe.String(ref.String()), textsafe.String(ref.Namespace))
			if err := a.ask(ctx, cmd, q, refusal); err != nil {
				return err
			}
		}
		a.confirmed(action.SetImageAction, ref.Namespace, ref.String(), prep.Actor, fl.yes)
	}
	res, err := exec.SetImage(context.WithoutCancel(ctx), p, dry, rec)
	var ce *action.ChangedError
	if errors.As(err, &ce) && len(ce.Concurrent.Summary) > 0 {
		output.PrintChanges(planOut, "Changed meanwhile by someone else", ce.Concurrent.Summary, opts)
	}
	if res == nil {
		return err
	}
	if !f.Machine() {
		printImageResult(out, res, opts)
	}
	if err != nil {
		return &exitError{code: exitFailed, msg: textsafe.String(res.Message)}
	}
	doc := &SetImageDoc{Kind: "SetImage", Result: res}
	if !fl.watch || res.Outcome != action.OutcomeApplied {
		if f.Machine() {
			return output.WriteDoc(out, f, doc)
		}
		switch {
		case res.Outcome != action.OutcomeApplied:
		case a.demo:
			// Each --demo process has its own cluster.
			fmt.Fprintln(out, "the demo cluster lives in this process only: run set-image with --watch to follow the rollout")
		default:
			fmt.Fprintln(out, "follow the rollout: "+a.statusHint(ref))
		}
		return nil
	}
	verr := a.followRollforward(ctx, cmd, conn, exec, planOut, prep, fl, doc)
	if f.Machine() {
		if err := output.WriteDoc(out, f, doc); err != nil {
			return err
		}
	}
	return verr
}

// followRollforward verifies the rollforward and, when it failed, falls
// back as --fallback says.
func (a *app) followRollforward(ctx context.Context, cmd *cobra.Command, conn *kube.Connection, exec *action.Executor, w io.Writer,
	prep *action.SetImagePrep, fl setImageFlags, doc *SetImageDoc) error {
	opts := a.outputOptions()
	p := prep.Plan
	var health *metrics.Health
	if fl.bake > 0 {
		health = a.bakeHealth(cmd, w)
	}
	fmt.Fprintln(w)
	v := a.verifier(conn, w, health, fl.bake, fl.timeout, action.SetImageAction, prep.Actor, false).Verify(ctx, p.Workload)
	doc.Verification = v
	printVerification(w, v, opts)
	if ctx.Err() != nil {
		return &exitError{code: exitInterrupted, msg: "interrupted while verifying: the image change was applied"}
	}
	if v.Verified() {
		return nil
	}
	failed := v.RolloutFailed || v.HealthCritical()
	if !failed {
		// Timed out, or health degraded or unknown: not a failure to act
		// on automatically; say how to roll back.
		fmt.Fprintf(w, "to roll back: %s\n", a.undoHint(p.Workload, fl.incident))
		return verificationError([]*action.Verification{v}, fl.timeout)
	}
	why := "the rollout failed"
	if v.HealthCritical() {
		why = "health is critical after the bake"
	}
	fb, err := action.PlanFallback(ctx, conn.Client, health, p, "rollforward failed ("+why+")"+reasonSuffix(fl.reason), a.env.now())
	if err != nil {
		return &exitError{code: exitFailed, msg: fmt.Sprintf("rollforward of %s failed (%s) and no fallback could be planned: %s", p.Workload, why, textsafe.String(err.Error()))}
	}
	fmt.Fprintf(w, "\n%s rollforward failed: %s; fallback: %s\n", opts.Styles().Danger("✗"), why, textsafe.String(fb.Why))
	hint := a.undoHintTo(p.Workload, fb.Plan.ToRevision, fl.incident)
	switch fl.fallback {
	case fallbackNone:
		fmt.Fprintf(w, "to roll back: %s\n", hint)
		return &exitError{code: exitFailed, msg: fmt.Sprintf("rollforward of %s failed: %s; roll back with: %s", p.Workload, why, hint)}
	case fallbackOffer:
		output.PrintPlan(w, fb.Plan, fb.History, opts)
		fmt.Fprintln(w)
		if !fl.yes {
			q := fmt.Sprintf("Roll %s back to revision %d?", textsafe.String(p.Workload.String()), fb.Plan.ToRevision)
			if err := a.ask(ctx, cmd, q, "no terminal to ask on: roll back with: "+hint); err != nil {
				return &exitError{code: exitFailed, msg: fmt.Sprintf("rollforward of %s failed: %s; not rolled back (%s); roll back with: %s", p.Workload, why, textsafe.String(err.Error()), hint)}
			}
		}
	default:
		output.PrintPlan(w, fb.Plan, fb.History, opts)
		fmt.Fprintln(w)
	}
	a.confirmed("fallback-undo", p.Workload.Namespace, p.Workload.String(), prep.Actor, fl.yes || fl.fallback == fallbackRollback)
	res, err := exec.Undo(context.WithoutCancel(ctx), fb.Plan, action.DryRunNone)
	ev := action.Event{Time: a.env.now(), Action: "fallback-undo", Namespace: p.Workload.Namespace, Workload: p.Workload.String(),
		Phase: action.PhaseExecuted, Actor: prep.Actor, Detail: map[string]any{"toRevision": fb.Plan.ToRevision, "why": fb.Why}}
	if err != nil {
		ev.Phase, ev.Detail["error"] = action.PhaseFailed, err.Error()
	} else {
		ev.Duration = res.Duration
	}
	a.recorder().Record(ev)
	if err != nil {
		return &exitError{code: exitFailed, msg: fmt.Sprintf("rollforward of %s failed (%s) and the fallback rollback failed: %s", p.Workload, why, textsafe.String(err.Error()))}
	}
	doc.Fallback = res
	printResult(w, res, 0, "", opts)
	fv := a.verifier(conn, w, health, fl.bake, fl.timeout, "fallback-undo", prep.Actor, false).Verify(ctx, p.Workload)
	doc.FallbackVerification = fv
	printVerification(w, fv, opts)
	state := "verified"
	if !fv.Verified() {
		state = "not verified: " + fv.Summary()
	}
	return &exitError{code: exitFailed, msg: fmt.Sprintf("rollforward of %s failed (%s); rolled back to revision %d (%s)",
		p.Workload, why, fb.Plan.ToRevision, textsafe.String(state))}
}

func reasonSuffix(reason string) string {
	if reason == "" {
		return ""
	}
	return ": " + reason
}

// undoHint is the undo command for ref with the flags that select the same
// cluster and namespace.
func (a *app) undoHint(ref rollout.Ref, incident string) string {
	return a.undoHintTo(ref, 0, incident)
}

func (a *app) undoHintTo(ref rollout.Ref, to int64, incident string) string {
	parts := []string{"mayday"}
	if a.demo {
		parts = append(parts, "--demo")
	}
	if c := *a.kube.Context; c != "" && !a.demo {
		parts = append(parts, "--context", c)
	}
	if k := *a.kube.KubeConfig; k != "" {
		parts = append(parts, "--kubeconfig", k)
	}
	parts = append(parts, "undo", ref.String(), "-n", ref.Namespace)
	if to > 0 {
		parts = append(parts, "--to-revision", fmt.Sprint(to))
	}
	if incident != "" {
		parts = append(parts, "--incident", incident)
	}
	return textsafe.String(strings.Join(parts, " "))
}

func imageList(s []rollout.ImageSetting) string {
	parts := make([]string, len(s))
	for i, x := range s {
		parts[i] = x.String()
	}
	return strings.Join(parts, ",")
}

func printImagePlan(w io.Writer, p *rollout.ImagePlan, o output.Options) {
	st := o.Styles()
	fmt.Fprintln(w, st.Bold(fmt.Sprintf("Plan: set image on %s in namespace %s (revision %d now)",
		textsafe.String(p.Workload.String()), textsafe.String(p.Workload.Namespace), p.FromRevision)))
	for _, c := range p.Changes {
		kind := "container"
		if c.Init {
			kind = "init container"
		}
		fmt.Fprintf(w, "  %s %s: %s → %s\n", kind, textsafe.String(c.Container), textsafe.String(c.From), textsafe.String(c.To))
	}
	fmt.Fprintln(w)
	if p.Skip {
		fmt.Fprintf(w, "Nothing to do: %s\n", textsafe.String(p.SkipReason))
	} else {
		output.PrintChanges(w, "Changes", p.Diff.Summary, o)
		fmt.Fprintln(w)
		fmt.Fprintf(w, "%s change-cause %q\n", st.Bold("Records: "), textsafe.String(p.ChangeCause()))
		attr := "          actor " + textsafe.String(p.Attribution.Actor)
		if p.Attribution.Incident != "" {
			attr += ", incident " + textsafe.String(p.Attribution.Incident)
		}
		fmt.Fprintln(w, attr)
	}
	if len(p.Warnings) > 0 {
		fmt.Fprintln(w)
		output.PrintWarnings(w, p.Warnings, o)
	}
	fmt.Fprintln(w)
}

func printImageResult(w io.Writer, res *action.ImageResult, o output.Options) {
	st := o.Styles()
	name := textsafe.String(res.Plan.Workload.String())
	switch res.Outcome {
	case action.OutcomeSkipped:
		fmt.Fprintf(w, "%s %s\n", name, textsafe.String(res.Message))
	case action.OutcomeDryRun:
		fmt.Fprintf(w, "%s %s\n", st.Success("✓"), textsafe.String(res.Message))
	case action.OutcomeNotApplied:
		fmt.Fprintf(w, "%s %s\n", st.Danger("✗ outcome was unknown:"), textsafe.String(res.Message))
	default:
		if res.Unknown {
			fmt.Fprintf(w, "%s %s\n", st.Warning("! outcome was unknown:"), textsafe.String(res.Message))
		}
		fmt.Fprintf(w, "%s %s: set image %s\n", st.Success("✓"), name, textsafe.String(imageList(res.Plan.Settings)))
		if res.EventError != "" {
			fmt.Fprintf(w, "note: the change is done but its Event could not be recorded: %s\n", textsafe.String(res.EventError))
		}
	}
}

// SetImageDoc is the document `mayday set-image -o json|yaml` prints.
type SetImageDoc struct {
	Kind                 string               `json:"kind"` // always "SetImage"
	Result               *action.ImageResult  `json:"result"`
	Verification         *action.Verification `json:"verification,omitempty"`
	Fallback             *action.Result       `json:"fallback,omitempty"`
	FallbackVerification *action.Verification `json:"fallbackVerification,omitempty"`
}
