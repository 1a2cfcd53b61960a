package main

import (
	"context"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// runE marks the start of a command's work (errors before it are usage
// errors) and hands the command its context.
func (a *app) runE(fn func(ctx context.Context, cmd *cobra.Command, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		a.started = true
		return fn(cmd.Context(), cmd, args)
	}
}

// parseRevision parses a revision number given as an argument or flag.
// zeroOK allows 0 (undo's "previous revision").
func parseRevision(cmd *cobra.Command, what, s string, zeroOK bool) (int64, error) {
	n, err := strconv.ParseInt(s, 10, 64)
	lowest := "1"
	if zeroOK {
		lowest = "0"
	}
	switch {
	case err != nil:
		return 0, usagef(cmd, "invalid %s %q: a revision is a whole number from %s up (see mayday history)", what, s, lowest)
	case n < 0 || (n == 0 && !zeroOK):
		return 0, usagef(cmd, "invalid %s %d: a revision is a whole number from %s up (see mayday history)", what, n, lowest)
	}
	return n, nil
}

func newHistoryCmd(a *app) *cobra.Command {
	var revision string
	cmd := &cobra.Command{
		Use:   "history KIND/NAME",
		Short: "Show the rollout history of a deployment, statefulset or daemonset",
		Long: `Show one row per revision: its number (with former numbers when the controller
renumbered it after a rollback), age and creation time, ready/desired pods,
images per container and change-cause. * marks the current revision.

KIND is deployment (deploy), statefulset (sts) or daemonset (ds).`,
		Example: `  mayday --demo history deployment/checkout
  mayday history sts/ledger -n prod --context staging -o json
  mayday --demo history deploy/checkout --revision 4`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.Flags().StringVar(&revision, "revision", "", "Show only this revision, with its pod template")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		if err := parseRef(cmd, args[0]); err != nil {
			return err
		}
		var rev int64
		if revision != "" {
			if rev, err = parseRevision(cmd, "--revision", revision, false); err != nil {
				return err
			}
		}
		h, err := a.history(ctx, cmd, args[0])
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if rev > 0 {
			r, ok := h.Find(rev)
			if !ok {
				return &rollout.RevisionNotFoundError{Revision: rev}
			}
			if f.Machine() {
				return output.WriteDoc(out, f, output.NewRevisionDoc(r, true))
			}
			return output.PrintRevision(out, h, r, a.outputOptions())
		}
		if f.Machine() {
			return output.WriteDoc(out, f, output.NewHistoryDoc(h))
		}
		return output.PrintHistory(out, h, a.outputOptions())
	})
	return cmd
}
