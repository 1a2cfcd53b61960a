package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"k8s.io/client-go/dynamic"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// trafficFlags are the flags switch and canary rollback share.
type trafficFlags struct {
	reason, incident, dryRun string
	yes                      bool
	bake, timeout            time.Duration
}

func (fl *trafficFlags) add(f *pflag.FlagSet) {
	f.StringVar(&fl.reason, "reason", "", "Why; recorded in the mayday.dev/reason annotation and the Event")
	f.StringVar(&fl.incident, "incident", "", "Incident to journal this action in (joined when its journal exists, else opened with this id; default: the open incident about the workload, else a new one); recorded as the mayday.dev/incident annotation")
	f.StringVar(&fl.dryRun, "dry-run", "none", `"none" changes the cluster, "client" only prints the plan, "server" has the API server validate the change without persisting it`)
	f.BoolVarP(&fl.yes, "yes", "y", false, "Do not ask for confirmation")
	f.DurationVar(&fl.timeout, "timeout", action.DefaultTrafficTimeout, "Wait up to this long for the traffic to be observed where it should be")
	f.DurationVar(&fl.bake, "bake", action.DefaultBake, "Then wait up to this long for a healthy verdict of the workload taking the traffic, when Prometheus is configured (0 skips the health check)")
}

// TrafficDoc is the document switch and canary rollback print with -o
// json|yaml.
type TrafficDoc struct {
	Kind         string                      `json:"kind"` // "Switch" or "CanaryRollback"
	Plan         *action.TrafficPlan         `json:"plan"`
	DryRun       *action.TrafficResult       `json:"dryRun,omitempty"`
	Result       *action.TrafficResult       `json:"result,omitempty"`
	Verification *action.TrafficVerification `json:"verification,omitempty"`
}

// traffic runs a switch or canary rollback: plan, permission check,
// server dry run, confirmation, the guarded writes, verification.
func (a *app) traffic(ctx context.Context, cmd *cobra.Command, req action.TrafficRequest, fl trafficFlags, format func() (output.Format, error)) (err error) {
	f, err := format()
	if err != nil {
		return err
	}
	dry, err := action.ParseDryRun(fl.dryRun)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if strings.ContainsAny(fl.reason+fl.incident, "\n\r") {
		return usagef(cmd, "--reason and --incident must be one line")
	}
	if fl.timeout <= 0 || fl.bake < 0 {
		return usagef(cmd, "--timeout must be positive and --bake must not be negative")
	}
	if err := a.startJournal(cmd, fl.incident, dry); err != nil {
		return err
	}
	defer func() { a.endJournal(ctx, cmd, err) }()
	conn, err := a.connect(ctx, true)
	if err != nil {
		return err
	}
	tr, err := trafficFor(conn, a.readOnly)
	if err != nil {
		return err
	}
	tr.Ledger = a.ledger()
	if a.readOnly && dry != action.DryRunClient {
		// The action layer refuses before any request.
		return tr.CheckAllowed(ctx, &action.TrafficPlan{})
	}
	rec := a.recorder()
	req.Namespace, req.Now, req.Recorder = conn.Namespace, a.env.now(), rec
	req.Attribution = rollout.Attribution{Reason: fl.reason, Incident: fl.incident}
	p, err := tr.Plan(ctx, req)
	if err != nil {
		return err
	}
	// With -o json|yaml stdout carries only the document; what people
	// read goes to stderr.
	out := cmd.OutOrStdout()
	planOut := out
	opts := a.outputOptions()
	if f.Machine() {
		planOut, opts.Color = cmd.ErrOrStderr(), false
	}
	st := opts.Styles()
	doc := &TrafficDoc{Kind: docKind(req.Action), Plan: p}
	printTrafficPlan(planOut, p, opts)
	finish := func() error {
		if f.Machine() {
			return output.WriteDoc(out, f, doc)
		}
		return nil
	}
	if p.Skip {
		fmt.Fprintf(planOut, "nothing to do: %s\n", textsafe.String(p.SkipReason))
		return finish()
	}
	if dry == action.DryRunClient {
		if err := tr.CheckAllowed(ctx, p); err != nil {
			fmt.Fprintf(planOut, "note: it would be refused: %s\n", textsafe.String(err.Error()))
		}
		doc.DryRun, _ = tr.Execute(ctx, p, action.DryRunClient, rec)
		fmt.Fprintf(planOut, "%s client dry run: nothing was sent\n", st.Success("✓"))
		return finish()
	}
	if err := tr.CheckAllowed(ctx, p); err != nil {
		return err
	}
	// The API server validates the writes (admission, schemas, the
	// preconditions) before anyone confirms them.
	doc.DryRun, err = tr.Execute(ctx, p, action.DryRunServer, rec)
	if err != nil {
		return a.trafficError(planOut, "the API server refused the dry run", err, opts)
	}
	fmt.Fprintf(planOut, "%s %s\n", st.Success("✓"), textsafe.String(doc.DryRun.Message))
	if dry == action.DryRunServer {
		return finish()
	}
	if !fl.yes {
		q := fmt.Sprintf("%s (namespace %s)?", capitalize(textsafe.String(p.Summary)), textsafe.String(p.Object.Namespace))
		refusal := fmt.Sprintf("refusing to change %s without confirmation: stdin is not a terminal; pass --yes to confirm, or --dry-run=server to only check",
			textsafe.String(p.Object.String()))
		if err := a.ask(ctx, cmd, q, refusal); err != nil {
			return err
		}
	}
	a.confirmed(req.Action, p.Object.Namespace, p.Object.String(), p.Request.Attribution.Actor, fl.yes)
	// A write interrupted after the confirmation would leave its outcome
	// unknown: it runs to its end, bounded by the request timeout.
	doc.Result, err = tr.Execute(context.WithoutCancel(ctx), p, action.DryRunNone, rec)
	if err != nil {
		if doc.Result != nil && f.Machine() {
			_ = finish()
		}
		return a.trafficError(planOut, "not done", err, opts)
	}
	fmt.Fprintf(planOut, "%s %s (%s)\n", st.Success("✓"), textsafe.String(doc.Result.Message), trafficWrites(doc.Result))
	if doc.Result.EventError != "" {
		fmt.Fprintf(planOut, "note: the change is done but its Event could not be recorded: %s\n", textsafe.String(doc.Result.EventError))
	}
	var health *metrics.Health
	if fl.bake > 0 && p.HealthWorkload != nil {
		health = a.bakeHealth(cmd, planOut)
	}
	doc.Verification = tr.Verify(ctx, p, action.TrafficVerifyOptions{Timeout: fl.timeout, Health: health, Bake: fl.bake,
		OnHealth: func(ref rollout.Ref, v metrics.Verdict) {
			line := fmt.Sprintf("%s  %s health %s %s", a.env.now().Format("15:04:05"), textsafe.String(ref.String()), v.State.Glyph(), v.State)
			if v.Reason != "" && v.State != metrics.Healthy {
				line += ": " + textsafe.String(v.Reason)
			}
			fmt.Fprintln(planOut, line)
		}}, rec)
	printTrafficVerification(planOut, doc.Verification, opts)
	if err := finish(); err != nil {
		return err
	}
	if !doc.Verification.Verified() {
		return &exitError{code: exitFailed, msg: fmt.Sprintf("%s not verified: %s", textsafe.String(p.Object.String()), textsafe.String(doc.Verification.Summary()))}
	}
	return nil
}

// trafficFor builds the traffic executor of a connection: CRDs need the
// dynamic client, which the in-process demo cluster does not have.
func trafficFor(conn *kube.Connection, readOnly bool) (*action.Traffic, error) {
	tr := &action.Traffic{Executor: &action.Executor{Client: conn.Client, ReadOnly: readOnly}}
	if conn.Config != nil {
		dyn, err := dynamic.NewForConfig(conn.Config)
		if err != nil {
			return nil, err
		}
		tr.Dynamic = dyn
	}
	return tr, nil
}

func docKind(actionName string) string {
	if actionName == action.SwitchAction {
		return "Switch"
	}
	return "CanaryRollback"
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// trafficWrites says how many writes were made and how long they took:
// the time from the confirmation to the traffic switched.
func trafficWrites(res *action.TrafficResult) string {
	resent := 0
	for _, s := range res.Steps {
		resent += s.Resent
	}
	s := fmt.Sprintf("%d write", len(res.Steps))
	if len(res.Steps) != 1 {
		s += "s"
	}
	s += fmt.Sprintf(" in %s", res.Duration.Round(100*time.Microsecond))
	if resent > 0 {
		s += fmt.Sprintf(", %d re-sent after status-only conflicts", resent)
	}
	return s
}

// trafficError is the one-line error of a failed write; a conflict also
// says what changed meanwhile.
func (a *app) trafficError(w io.Writer, what string, err error, o output.Options) error {
	var ce *action.TrafficConflictError
	if errors.As(err, &ce) {
		fmt.Fprintf(w, "%s %s\n", o.Styles().Danger("✗ conflict:"), textsafe.String(ce.Error()))
	}
	return &exitError{code: exitFailed, msg: textsafe.String(what + ": " + kube.Describe(err, a.conn))}
}

func printTrafficPlan(w io.Writer, p *action.TrafficPlan, o output.Options) {
	st := o.Styles()
	fmt.Fprintf(w, "%s %s\n", st.Header("Plan:"), textsafe.String(p.Summary))
	a := p.Request.Attribution
	meta := []string{"namespace " + p.Object.Namespace, p.Pattern, "by " + a.Actor}
	if a.Reason != "" {
		meta = append(meta, fmt.Sprintf("reason %q", a.Reason))
	}
	if a.Incident != "" {
		meta = append(meta, "incident "+a.Incident)
	}
	fmt.Fprintln(w, "  "+st.Muted(textsafe.String(strings.Join(meta, " · "))))
	if len(p.Changes) > 0 {
		fmt.Fprintln(w, "Changes:")
		for _, c := range p.Changes {
			fmt.Fprintln(w, "  - "+textsafe.String(c))
		}
	}
	if len(p.Checks) > 0 {
		fmt.Fprintln(w, "Checks:")
		for _, c := range p.Checks {
			glyph := st.Success("✓")
			if !c.OK {
				glyph = st.Danger("✗")
			}
			fmt.Fprintf(w, "  %s %s: %s\n", glyph, textsafe.String(c.Name), textsafe.String(c.Detail))
		}
	}
	if len(p.Steps) > 0 {
		fmt.Fprintln(w, "Writes (each only if the object is unchanged since it was read):")
		for i, s := range p.Steps {
			rv := "the version the previous write leaves"
			if s.ResourceVersion != "" {
				rv = "resourceVersion " + s.ResourceVersion
			}
			target := s.Object.String()
			if s.Subresource != "" {
				target += "/" + s.Subresource
			}
			fmt.Fprintf(w, "  %d. %s %s\n", i+1, textsafe.String(s.Description),
				st.Muted(fmt.Sprintf("(%s patch of %s, %s)", patchName(string(s.PatchType)), textsafe.String(target), textsafe.String(rv))))
		}
	}
	if len(p.Warnings) > 0 {
		output.PrintWarnings(w, p.Warnings, o)
	}
}

func patchName(pt string) string {
	switch {
	case strings.Contains(pt, "json-patch"):
		return "JSON"
	case strings.Contains(pt, "strategic"):
		return "strategic merge"
	}
	return "merge"
}

func printTrafficVerification(w io.Writer, v *action.TrafficVerification, o output.Options) {
	st := o.Styles()
	glyph := st.Success("✓ verified:")
	if !v.Verified() {
		glyph = st.Danger("✗ not verified:")
	}
	fmt.Fprintf(w, "%s %s\n", glyph, textsafe.String(v.Summary()))
	for _, s := range v.Observed {
		fmt.Fprintln(w, "  - "+textsafe.String(s))
	}
}
