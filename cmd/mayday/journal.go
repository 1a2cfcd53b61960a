package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/analysis"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/redact"
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
	if incidentID != "" {
		// A closed incident takes no more actions: say so before planning.
		if inc, _, _, err := incident.Read(incident.Path(js.dir, incidentID)); err == nil && inc.Status == incident.StatusClosed {
			return fmt.Errorf("incident %s is closed: open a new one (mayday incident open), or leave out --incident", textsafe.String(incidentID))
		}
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
	if err := a.analyze(ctx, cmd, conn, a.journal.keeper.Journal(), ref, bad, good); err != nil {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", textsafe.String(oneLine(err.Error())))
	}
}

// analyze gathers the analysis of ref (bad and good revisions: 0 works
// them out from the history) and appends it to j. Sources that cannot be
// read are warnings; the rest is journaled.
func (a *app) analyze(ctx context.Context, cmd *cobra.Command, conn *kube.Connection, j *incident.Journal, ref rollout.Ref, bad, good int64) error {
	g := &analysis.Gatherer{Client: conn.Client, Now: a.env.now, Redactor: redact.New()}
	if h, err := a.health(cmd, false); err == nil {
		g.Health = h
	}
	req := analysis.Request{Ref: ref, Bad: bad, Good: good}
	for _, p := range j.Records() {
		if s, ok := p.Payload.(incident.Signal); ok && (s.Verdict == "critical" || s.Verdict == "degraded") && req.Detected.IsZero() {
			req.Detected = p.Time
		}
		// Recovered: when the action on ref was verified (its rollout
		// complete), the newest such record.
		if ph, ok := p.Payload.(incident.Phase); ok && p.Type == incident.TypeVerified && ph.Workload.Name == ref.String() {
			req.Recovered = p.Time
		}
	}
	an, errs := g.Gather(ctx, req)
	for _, err := range errs {
		fmt.Fprintf(cmd.ErrOrStderr(), "note: analysis: %s\n", textsafe.String(oneLine(err.Error())))
	}
	rec, err := report.Record(incident.Workload{Namespace: ref.Namespace, Name: ref.String()}, an, errs)
	if err != nil {
		return err
	}
	if _, err := j.Append(rec); err != nil {
		return fmt.Errorf("journal %s: %w", j.File(), err)
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "analysis of %s journaled in %s: %d hint(s)\n", textsafe.String(ref.String()), textsafe.String(j.ID()), len(an.Hints))
	return nil
}

// analyzeCmd gathers the analysis of a workload on demand into an
// incident.
func (a *app) analyzeCmd(ctx context.Context, cmd *cobra.Command, id, arg string) error {
	if err := parseRef(cmd, arg); err != nil {
		return err
	}
	j, _, err := a.loadJournal(cmd, id)
	if err != nil {
		return err
	}
	defer j.Close()
	conn, err := a.connect(ctx, false)
	if err != nil {
		return err
	}
	ref, err := a.ref(cmd, arg, conn)
	if err != nil {
		return err
	}
	if _, err := getWorkload(ctx, conn, ref); err != nil {
		return err // an unknown workload has nothing to analyse
	}
	return a.analyze(ctx, cmd, conn, j, ref, 0, 0)
}

// journalDecision records the verdict and the decision in the named
// incident, else in the open incident about ref (none: nothing is
// journaled; deciding changes nothing and opens no incident).
func (a *app) journalDecision(cmd *cobra.Command, id string, ref rollout.Ref, ev *decide.Evidence, rec decide.Recommendation) error {
	js, err := a.journals(cmd)
	if err != nil {
		return err
	}
	w := incident.Workload{Namespace: ref.Namespace, Name: ref.String()}
	var j *incident.Journal
	if id != "" {
		if j, _, err = a.loadJournal(cmd, id); err != nil {
			return err
		}
	} else {
		list, _ := incident.List(js.dir)
		for _, l := range list {
			if l.Err == nil && l.Status == incident.StatusOpen && slices.Contains(l.Workloads, w) {
				if j, err = incident.LoadFile(l.Path, js.opts); err == nil {
					break
				}
			}
		}
		if j == nil {
			return nil
		}
	}
	defer j.Close()
	from := int64(j.Incident().Records)
	recs := append(actionlog.Signals(w, ev.Health, ev.CurrentRevision), actionlog.Decision(w, rec, ""))
	for _, r := range recs {
		if _, err := j.Append(r); err != nil {
			return fmt.Errorf("journal %s: %w", textsafe.String(j.File()), err)
		}
	}
	fmt.Fprintf(cmd.ErrOrStderr(), "journaled in %s (%s)\n", textsafe.String(j.ID()), textsafe.String(j.File()))
	js.finish(cmd.Context(), cmd, j, from)
	return nil
}
