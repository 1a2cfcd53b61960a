package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

func newIncidentReconcileCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "reconcile ID",
		Short: "Settle actions whose outcome is unknown by reading the cluster back",
		Long: `An action whose intent was journaled but not its result (mayday stopped between
sending the change and recording how it ended) has an unknown outcome. reconcile
reads each such object back: unchanged since the intent means the change did
not land; changed and carrying this incident's mayday.dev/incident annotation
means it landed; anything else stays unknown for a person to check. The outcome
found is journaled with its evidence.`,
		Example: `  mayday incident reconcile INC-20261125-1420-checkout`,
		Args:    exactArgs(1, 1, "ID"),
	}
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		j, _, err := a.loadJournal(cmd, args[0])
		if err != nil {
			return err
		}
		defer j.Close()
		if len(incident.Pending(j.Records())) == 0 {
			_, err := fmt.Fprintf(cmd.OutOrStdout(), "%s: no action with an unknown outcome\n", textsafe.String(j.ID()))
			return err
		}
		conn, err := a.connect(ctx, false)
		if err != nil {
			return err
		}
		unknown := 0
		for _, rc := range actionlog.Reconcile(ctx, conn.Client, j, a.journalActor()) {
			if rc.Status == incident.OutcomeUnknown {
				unknown++
			}
			fmt.Fprintf(cmd.OutOrStdout(), "#%d %s: %s (%s)\n", rc.Intent.Seq, textsafe.String(rc.Intent.Payload.Summary()),
				rc.Status, textsafe.String(rc.Evidence))
		}
		if unknown > 0 {
			return &exitError{code: exitFailed, msg: fmt.Sprintf("%d action(s) still have an unknown outcome: check them with mayday history, then note what you found with mayday incident note", unknown)}
		}
		return nil
	})
	return cmd
}

func newIncidentAnalyzeCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze ID KIND/NAME",
		Short: "Gather the post-rollback analysis of a workload into an incident (for its report)",
		Args:  exactArgs(2, 2, "ID and KIND/NAME"),
	}
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		return a.analyzeCmd(ctx, cmd, args[0], args[1])
	})
	return cmd
}
