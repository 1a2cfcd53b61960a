package main

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/output"
)

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "mayday",
		Short: "Incident console for Kubernetes rollbacks: history, diff, safe undo",
		Long: `mayday shows what changed in a workload's rollout history, diffs revisions,
and rolls back exactly as 'kubectl rollout undo' does, but with a plan first,
conflict safety, permission checks up front and a recorded reason.

Try it without a cluster:
  mayday --demo history deployment/checkout`,
		Example: `  mayday --demo history deployment/checkout
  mayday --demo diff deployment/checkout 4 5
  mayday --demo undo deployment/checkout --to-revision 4 --dry-run=server
  mayday --demo undo deployment/checkout --to-revision 4 --reason "INC-42 payment client regression" --yes
  mayday --demo status deployment/checkout --watch --timeout 2m
  mayday history statefulset/ledger -n prod --context staging -o json`,
		SilenceUsage:  true, // runtime errors are one line, never a usage dump
		SilenceErrors: true, // run prints errors itself, one line on stderr
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q for \"mayday\"", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += "; did you mean " + strings.Join(s, " or ") + "?"
			}
			return usagef(cmd, "%s", msg)
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return a.validateGlobalFlags(cmd)
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.started = true
			return a.console(cmd.Context(), cmd)
		},
	}
	root.SetFlagErrorFunc(func(cmd *cobra.Command, err error) error {
		return &usageError{err: flagError(err), help: cmd.CommandPath()}
	})
	root.CompletionOptions.DisableDefaultCmd = true
	root.SuggestionsMinimumDistance = 2

	pf := root.PersistentFlags()
	a.kube.AddFlags(pf)
	pf.BoolVar(&a.demo, "demo", false, "Use the built-in simulated cluster (an online shop in namespace "+demo.Namespace+") instead of a kubeconfig")
	pf.BoolVar(&a.readOnly, "read-only", false, "Refuse every change to the cluster (undo is refused; dry runs on the client still work)")
	pf.StringVar(&a.prometheusURL, "prometheus", "", "Prometheus base URL for health (overrides the context's prometheus.url in the config file)")
	pf.BoolVar(&a.traceRequests, "trace-requests", false, "Print every API request (method, path, status, time) to stderr at the end")
	pf.String("journal-dir", "", "Directory of incident journals (default: incidents.dir from the config, else $XDG_DATA_HOME/mayday/incidents)")
	a.consoleOpts.add(root)
	pf.SortFlags = false

	root.AddCommand(
		newHistoryCmd(a),
		newDiffCmd(a),
		newUndoCmd(a),
		newStatusCmd(a),
		newHealthCmd(a),
		newDecideCmd(a),
		newSetImageCmd(a), newPauseCmd(a, true), newPauseCmd(a, false),
		newSwitchCmd(a), newCanaryCmd(a),
		newIncidentCmd(a), newReportCmd(a),
		newVersionCmd(a),
	)
	return root
}

// validateGlobalFlags rejects flag combinations that cannot mean anything.
func (a *app) validateGlobalFlags(cmd *cobra.Command) error {
	if _, err := kube.ParseRequestTimeout(*a.kube.Timeout); err != nil {
		return &usageError{err: err, help: "mayday"}
	}
	if a.demo {
		flags := cmd.Flags()
		for _, name := range []string{"kubeconfig", "cluster", "user", "as", "as-group"} {
			if f := flags.Lookup(name); f != nil && f.Changed {
				return &usageError{err: fmt.Errorf("--demo and --%s conflict: --demo uses the built-in cluster, not a kubeconfig; drop one of them", name), help: "mayday"}
			}
		}
		if f := flags.Lookup("context"); f != nil && f.Changed && f.Value.String() != demo.Context {
			return &usageError{err: fmt.Errorf("--demo and --context %s conflict: the demo cluster's context is %q; drop one of them", f.Value.String(), demo.Context), help: "mayday"}
		}
	}
	return nil
}

// addOutputFlag adds -o/--output and returns a function that parses it.
func addOutputFlag(cmd *cobra.Command, help string) func() (output.Format, error) {
	var value string
	cmd.Flags().StringVarP(&value, "output", "o", "table", help)
	return func() (output.Format, error) {
		f, err := output.ParseFormat(value)
		if err != nil {
			return "", usagef(cmd, "%v", err)
		}
		return f, nil
	}
}

// flagError rewords pflag's errors where they mislead: "-3" given as a
// revision reads to pflag as the shorthand flag -3.
func flagError(err error) error {
	msg := err.Error()
	if m := regexp.MustCompile(`^unknown shorthand flag: '(\d)' in (-\d+)$`).FindStringSubmatch(msg); m != nil {
		return fmt.Errorf("invalid revision %s: revisions are whole numbers from 1 up", m[2])
	}
	if strings.HasPrefix(msg, "invalid argument") && strings.Contains(msg, "strconv.") {
		// pflag appends Go's parse error; the first part says it all.
		if i := strings.Index(msg, ": strconv."); i > 0 {
			return fmt.Errorf("%s", msg[:i])
		}
	}
	return err
}

// exactArgs is cobra.ExactArgs with a message that names the arguments.
func exactArgs(min, max int, names string) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < min || len(args) > max {
			want := fmt.Sprintf("%d", min)
			if max != min {
				want = fmt.Sprintf("%d or %d", min, max)
			}
			return usagef(cmd, "%s takes %s argument(s) (%s), got %d", cmd.CommandPath(), want, names, len(args))
		}
		return nil
	}
}
