package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

type pauseFlags struct {
	reason, incident, dryRun string
	yes                      bool
}

// newPauseCmd is pause, or with pause false resume: the same flow.
func newPauseCmd(a *app, pause bool) *cobra.Command {
	var fl pauseFlags
	cmd := &cobra.Command{
		Use:   "pause KIND/NAME",
		Short: "Pause a deployment's rolling update where it is (spec.paused)",
		Long: `Pause a deployment's rollout where it is: the controller stops replacing pods,
old and new keep running as they are. The change is guarded (it only succeeds
if the deployment is unchanged since it was read), attributed (mayday.dev/actor,
the reason in mayday.dev/pause-reason) and leaves an Event. Only Deployments
can be paused; for a StatefulSet or DaemonSet mayday says what to do instead.
Resume with mayday resume.`,
		Example: `  mayday --demo pause deployment/checkout --reason "INC-42 hold the rollout"
  mayday resume deployment/checkout -n prod`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	if !pause {
		cmd.Use = "resume KIND/NAME"
		cmd.Short = "Resume a paused deployment's rolling update"
		cmd.Long = `Resume a paused deployment's rollout (spec.paused=false), guarded and
attributed like pause; resuming a deployment that is not paused changes nothing.`
		cmd.Example = `  mayday --demo resume deployment/checkout
  mayday resume deploy/checkout -n prod --reason "fix verified"`
	}
	format := addOutputFlag(cmd, "Output format of the result: table, json or yaml")
	f := cmd.Flags()
	f.StringVar(&fl.reason, "reason", "", "Why; recorded in the Event (and, for pause, in mayday.dev/pause-reason)")
	f.StringVar(&fl.incident, "incident", "", "Incident to journal this action in (joined when its journal exists, else opened with this id; default: the open incident about the workload, else a new one); recorded as the mayday.dev/incident annotation")
	f.StringVar(&fl.dryRun, "dry-run", "none", `"none" changes the cluster, "client" only prints the plan, "server" has the API server validate the change without persisting it`)
	f.BoolVarP(&fl.yes, "yes", "y", false, "Do not ask for confirmation")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		return a.pause(ctx, cmd, args[0], pause, fl, format)
	})
	return cmd
}

func (a *app) pause(ctx context.Context, cmd *cobra.Command, arg string, pause bool, fl pauseFlags, format func() (output.Format, error)) (err error) {
	f, err := format()
	if err != nil {
		return err
	}
	if err := parseRef(cmd, arg); err != nil {
		return err
	}
	dry, err := action.ParseDryRun(fl.dryRun)
	if err != nil {
		return usagef(cmd, "%v", err)
	}
	if strings.ContainsAny(fl.reason+fl.incident, "\n\r") {
		return usagef(cmd, "--reason and --incident must be one line")
	}
	if err := a.startJournal(cmd, fl.incident, dry); err != nil {
		return err
	}
	defer func() { a.endJournal(ctx, cmd, err) }()
	conn, err := a.connect(ctx, false)
	if err != nil {
		return err
	}
	ref, err := a.ref(cmd, arg, conn)
	if err != nil {
		return err
	}
	rec := a.recorder()
	exec := &action.Executor{Client: conn.Client, ReadOnly: a.readOnly, Ledger: a.ledger()}
	p, err := action.PreparePause(ctx, exec, action.PauseRequest{Ref: ref, Pause: pause, Reason: fl.reason,
		Incident: fl.incident, DryRun: dry, Recorder: rec})
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if !p.Noop && dry == action.DryRunNone {
		if !fl.yes {
			refusal := fmt.Sprintf("refusing to %s %s without confirmation: stdin is not a terminal; pass --yes to confirm", p.Action(), ref)
			if !a.env.stdinTTY {
				return fmt.Errorf("%s", refusal)
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "Plan: %s\n", textsafe.String(p.Message))
			q := fmt.Sprintf("%s %s in namespace %s?", verbFor(pause), textsafe.String(ref.String()), textsafe.String(ref.Namespace))
			if err := a.ask(ctx, cmd, q, refusal); err != nil {
				return err
			}
		}
		a.confirmed(p.Action(), ref.Namespace, ref.String(), p.Attribution.Actor, fl.yes)
	}
	res, err := exec.Pause(context.WithoutCancel(ctx), p, dry, rec)
	if err != nil {
		var ce *action.ChangedError
		if errors.As(err, &ce) && len(ce.Concurrent.Summary) > 0 && !f.Machine() {
			output.PrintChanges(cmd.ErrOrStderr(), "Changed meanwhile by someone else", ce.Concurrent.Summary, a.outputOptions())
		}
		if res == nil {
			return err
		}
	}
	if f.Machine() {
		if werr := output.WriteDoc(out, f, PauseDoc{Kind: "Pause", Result: res}); werr != nil {
			return werr
		}
	} else {
		st := a.outputOptions().Styles()
		switch res.Outcome {
		case action.OutcomeSkipped:
			fmt.Fprintln(out, textsafe.String(res.Message))
		case action.OutcomeDryRun:
			fmt.Fprintf(out, "%s %s: %s\n", st.Success("✓"), textsafe.String(p.Message), textsafe.String(res.Message))
		case action.OutcomeNotApplied:
			fmt.Fprintf(out, "%s %s\n", st.Danger("✗ outcome was unknown:"), textsafe.String(res.Message))
		default:
			line := res.Message
			if pause {
				line += fmt.Sprintf(" where its rollout was: %s (updated %d, available %d of %d)", p.Rollout.Message, p.Rollout.Updated, p.Rollout.Available, p.Rollout.Desired)
			}
			fmt.Fprintf(out, "%s %s\n", st.Success("✓"), textsafe.String(line))
			if res.EventError != "" {
				fmt.Fprintf(out, "note: the change is done but its Event could not be recorded: %s\n", textsafe.String(res.EventError))
			}
		}
	}
	if err != nil {
		return &exitError{code: exitFailed, msg: textsafe.String(res.Message)}
	}
	return nil
}

// PauseDoc is the document `mayday pause|resume -o json|yaml` prints.
type PauseDoc struct {
	Kind   string              `json:"kind"` // always "Pause"
	Result *action.PauseResult `json:"result"`
}

func verbFor(pause bool) string {
	if pause {
		return "Pause"
	}
	return "Resume"
}
