package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"

	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/output"
)

func newDecideCmd(a *app) *cobra.Command {
	var answers []string
	var policyFile, incidentID string
	cmd := &cobra.Command{
		Use:   "decide KIND/NAME",
		Short: "Recommend rollback or rollforward from live evidence, with reasons and risks",
		Long: `Walk the decision policy for a workload: is there an issue, how severe, is a
rollback possible and safe, is a quick fix available. Each question is
pre-answered from live evidence (health verdict and alerts, revision history
and each revision's health while live, rollout state, GitOps ownership,
autoscaling, the irreversible-migration marker, the application) and shows
where its answer came from. --answer overrides a pre-answer (recorded) or
answers a question the evidence cannot. The result is the recommended
action and target, the path, reasons, risks and the expected time to
recover; when a question needs you, it says which and how to answer.

The policy is $XDG_CONFIG_HOME/mayday/decide.yaml when present (see
docs/decide.md), else the built-in default; --policy names another file.

The verdict and the decision are journaled in --incident, else in the open
incident about the workload when there is one (deciding opens none).`,
		Example: `  mayday --demo decide deployment/checkout
  mayday --demo decide deploy/checkout --answer quick-fix=yes --answer fix-image=registry.example/checkout:2.1.1
  mayday decide deploy/web -n prod --prometheus http://127.0.0.1:9090 -o json`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.Flags().StringArrayVar(&answers, "answer", nil, "Answer a question: ID=VALUE (repeatable); see the question ids in the output")
	cmd.Flags().StringVar(&policyFile, "policy", "", "Decision policy file (default: decide.yaml in the config directory, else built in)")
	cmd.Flags().StringVar(&incidentID, "incident", "", "Incident to journal the verdict and decision in (default: the open incident about the workload, if any)")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		if err := parseRef(cmd, args[0]); err != nil {
			return err
		}
		policy, perr := a.loadPolicy(policyFile)
		if perr != nil {
			if policyFile != "" && errors.Is(perr, fs.ErrNotExist) {
				return usagef(cmd, "--policy: %v", perr)
			}
			// The default decides; the problem is shown, not fatal.
			fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s; using the built-in policy\n", oneLine(perr.Error()))
		}
		parsed, err := policy.ParseAnswers(answers)
		if err != nil {
			return usagef(cmd, "%v", err)
		}
		conn, err := a.connect(ctx, false)
		if err != nil {
			return err
		}
		ref, err := a.ref(cmd, args[0], conn)
		if err != nil {
			return err
		}
		reader := kube.APIReader{Client: conn.Client}
		g := &evidence.Gatherer{Reader: reader, Now: a.env.now, App: evidence.AppFinder(conn.Client, reader)}
		var dyn dynamic.Interface // the demo cluster has no CRDs
		if conn.Config != nil {
			if dyn, err = dynamic.NewForConfig(conn.Config); err != nil {
				return err
			}
		}
		g.Traffic = evidence.TrafficFinder(conn.Client, dyn)
		if health, err := a.health(cmd, true); err == nil {
			g.Health = health
		} else {
			var ue *usageError
			if errors.As(err, &ue) {
				return err
			}
			// No Prometheus: health stays unknown and the engine asks.
		}
		got, err := g.Gather(ctx, ref)
		if err != nil {
			return err
		}
		ev := got.Evidence
		ev.Answers = parsed
		if len(parsed) > 0 {
			ev.AnsweredBy = kube.Actor(ctx, conn.Client)
		}
		rec, err := policy.Decide(ev)
		if err != nil {
			return usagef(cmd, "%v", err)
		}
		if err := a.journalDecision(cmd, incidentID, ref, ev, rec); err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if f.Machine() {
			return output.WriteDoc(out, f, output.NewDecisionDoc(rec))
		}
		return output.PrintDecision(out, rec, a.outputOptions())
	})
	return cmd
}

// loadPolicy reads the decision policy: file, else decide.yaml in the
// config directory, else the built-in default. An invalid policy gives
// the default and the error.
func (a *app) loadPolicy(file string) (*decide.Policy, error) {
	path := file
	if path == "" {
		path = filepath.Join(a.configPaths().ConfigDir, "decide.yaml")
	}
	data, err := os.ReadFile(path)
	if err != nil {
		if file == "" && errors.Is(err, fs.ErrNotExist) {
			return decide.Default(), nil
		}
		return decide.Default(), fmt.Errorf("reading decision policy: %w", err)
	}
	return decide.LoadPolicy(path, data)
}
