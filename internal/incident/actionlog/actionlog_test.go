package actionlog

import (
	"errors"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/incident"
)

func TestRecorderJournalsEveryPhase(t *testing.T) {
	dir := t.TempDir()
	j, err := incident.Open(dir, incident.Opened{Title: "checkout errors"}, incident.Options{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	var errs []error
	rec := Recorder(j, func(err error) { errs = append(errs, err) })
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, time.UTC)
	phases := []action.Phase{action.PhasePlanned, action.PhaseDryRun, action.PhaseConfirmed, action.PhaseExecuted, action.PhaseSkipped, action.PhaseVerified, action.PhaseFailed}
	for i, p := range phases {
		rec.Record(action.Event{Time: now.Add(time.Duration(i) * time.Second), Action: "undo", Namespace: "shop", Workload: "deployment/checkout",
			Phase: p, Actor: "bob", Detail: map[string]any{"summary": "rolled back to revision 4", "token": "s3cr3t-value"}, Duration: time.Second})
	}
	recs := j.Records()
	want := []incident.Type{incident.TypeOpened, incident.TypePlanned, incident.TypeDryRun, incident.TypeConfirmed, incident.TypeExecuted,
		incident.TypeProgress, incident.TypeVerified, incident.TypeFailed}
	if len(recs) != len(want) {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Type != want[i] {
			t.Errorf("record %d: %s, want %s", i, r.Type, want[i])
		}
	}
	ex := recs[4]
	p := ex.Payload.(incident.Phase)
	if ex.Actor != "bob" || !ex.Time.Equal(now.Add(3*time.Second)) || p.Message != "rolled back to revision 4" ||
		p.Workload != (incident.Workload{Namespace: "shop", Name: "deployment/checkout"}) || p.Detail["token"] != "[REDACTED]" {
		t.Errorf("executed record %+v %+v", ex, p)
	}
	_ = j.Close()
	rec.Record(action.Event{Action: "undo", Phase: action.PhaseVerified})
	if len(errs) != 1 || errors.Unwrap(errs[0]) == nil {
		t.Errorf("errors %v", errs)
	}
}

func TestMilestoneEventsBecomeProgressMilestones(t *testing.T) {
	j, err := incident.Open(t.TempDir(), incident.Opened{Title: "checkout errors"}, incident.Options{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	at := time.Date(2026, 11, 25, 14, 2, 0, 0, time.UTC)
	Recorder(j, nil).Record(Milestone(at, "undo", "shop", "deployment/checkout", incident.MilestoneDeployed, "revision 6 rolled out"))
	recs := j.Records()
	p, ok := recs[len(recs)-1].Payload.(incident.Progress)
	if !ok || p.Milestone != incident.MilestoneDeployed || p.Message != "revision 6 rolled out" || !recs[len(recs)-1].Time.Equal(at) {
		t.Fatalf("record %+v", recs[len(recs)-1])
	}
}
