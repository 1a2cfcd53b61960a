package tui

import (
	"context"
	"fmt"
	"testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/analysis"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

// The console's journal: the decision and its verdict are held until the
// confirmed write opens the incident, then recorded before the intent;
// a verified rollback adds the rollout milestone and the analysis.
func TestConsoleJournalsDecisionActionAndAnalysis(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{}, true)
	ctx := context.Background()
	k := &actionlog.Keeper{Dir: t.TempDir(), Opts: incident.Options{Actor: demo.User}}
	defer k.Close()
	g := &analysis.Gatherer{Client: d.Cluster.Client(), Reader: d.Cache.Reader()}
	jn := newJournal(ctx, k, demo.User, g, d.Cluster.Client())
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: demo.Namespace, Name: "checkout"}

	verdict := metrics.Verdict{State: metrics.Critical, Reason: "error ratio 12% > 5%", Signals: []metrics.SignalResult{{
		Signal: metrics.ErrorRatio, Query: "sum(rate(x[1m]))", Value: 0.12, HasValue: true, State: metrics.Critical,
		Threshold: metrics.Threshold{Degraded: 0.01, Critical: 0.05}}}}
	jn.decided(ref, &decide.Evidence{Health: verdict, CurrentRevision: 6},
		decide.Recommendation{Decided: true, Action: decide.Rollback, Target: decide.Target{Text: "revision 5"}})
	if _, ok := jn.Current(); ok {
		t.Fatal("a decision alone opened an incident")
	}

	p, err := rollout.PlanUndo(ctx, kube.APIReader{Client: d.Cluster.Client()}, ref, rollout.UndoOptions{ToRevision: 5,
		Attribution: rollout.Attribution{Actor: demo.User}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := (&action.Executor{Client: d.Cluster.Client(), Ledger: k}).Undo(ctx, p, action.DryRunNone); err != nil {
		t.Fatal(err)
	}
	inc, ok := jn.Current()
	if !ok || inc.Actions != 1 {
		t.Fatalf("incident %+v", inc)
	}
	jn.verified(ref, &action.Verification{Workload: ref, RolloutComplete: true})
	jn.wait(analysisTimeout)

	var types []incident.Type
	for _, r := range k.Journal().Records() {
		types = append(types, r.Type)
	}
	want := []incident.Type{incident.TypeOpened, incident.TypeSignal, incident.TypeSignal, incident.TypeDecision,
		incident.TypeIntent, incident.TypeResult, incident.TypeProgress, incident.TypeAnalysis}
	if fmt.Sprint(types) != fmt.Sprint(want) {
		t.Fatalf("records %v\nwant %v", types, want)
	}
	recs := k.Journal().Records()
	an := recs[len(recs)-1].Payload.(incident.Analysis)
	if len(an.Hints) == 0 {
		t.Fatalf("analysis without hints: %+v", an)
	}
	// Lookup sees the incident from its file, as another part of the
	// console would.
	if got, ok := jn.Lookup(inc.ID); !ok || got.Actions != 1 {
		t.Fatalf("lookup %+v %v", got, ok)
	}
	if _, ok := jn.Lookup("../etc"); ok {
		t.Fatal("a hostile id was looked up")
	}
}
