package report

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/redact"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var t0 = time.Date(2026, 11, 25, 14, 20, 0, 0, time.UTC)

// scriptedIncident writes the journal of a bad deploy rolled back: every
// record at a known time.
func scriptedIncident(t testing.TB, dir string) *incident.Journal {
	t.Helper()
	now := t0
	j, err := incident.Open(dir, incident.Opened{Title: "checkout errors", Severity: "SEV2",
		Workloads: []incident.Workload{{Namespace: "shop", Name: "deployment/checkout"}}},
		incident.Options{Actor: "alice", Host: "bastion-1", Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	w := incident.Workload{Namespace: "shop", Name: "deployment/checkout"}
	at := func(d time.Duration, r incident.Record) incident.Record {
		t.Helper()
		now = t0.Add(d)
		r.Time = now
		got, err := j.Append(r)
		if err != nil {
			t.Fatal(err)
		}
		return got
	}
	at(-6*time.Minute, incident.Record{Type: incident.TypeProgress, Payload: incident.Progress{Workload: w, Milestone: incident.MilestoneDeployed, Message: "revision 5 (checkout:2.1.0) rolled out"}})
	at(30*time.Second, incident.Record{Type: incident.TypeSignal, Payload: incident.Signal{Workload: w, Signal: "error_ratio", Previous: "healthy", Verdict: "critical", Value: "7.2%", Threshold: "5%"}})
	at(2*time.Minute, incident.Record{Type: incident.TypeDecision, Payload: incident.Decision{Workload: w, Recommendation: "rollback", Target: "revision 4",
		Answers: []incident.Answer{{Question: "quick fix available", Answer: "no", Source: "engineer", Overridden: true}}}})
	at(2*time.Minute+10*time.Second, incident.Record{Type: incident.TypeConfirmed, Actor: "bob", Payload: incident.Phase{Action: "undo", Workload: w, Message: "confirmed | typed checkout"}})
	now = t0.Add(2*time.Minute + 11*time.Second)
	id, err := j.Intent(context.Background(), incident.Action{Action: "undo", Workload: w, Description: "roll back to revision 4"})
	if err != nil {
		t.Fatal(err)
	}
	at(2*time.Minute+12*time.Second, incident.Record{Type: incident.TypeExecuted, Actor: "bob", Payload: incident.Phase{Action: "undo", Workload: w, Message: "rolled back to revision 4", Duration: 80 * time.Millisecond}})
	now = t0.Add(2*time.Minute + 12*time.Second)
	if err := j.Result(id, incident.Outcome{Status: incident.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	at(3*time.Minute, incident.Record{Type: incident.TypeProgress, Payload: incident.Progress{Workload: w, Message: "5 of 10 updated"}})
	at(4*time.Minute, incident.Record{Type: incident.TypeProgress, Payload: incident.Progress{Workload: w, Milestone: incident.MilestoneRolloutComplete, Message: "10 of 10 updated"}})
	at(5*time.Minute, incident.Record{Type: incident.TypeSignal, Payload: incident.Signal{Workload: w, Signal: "error_ratio", Previous: "critical", Verdict: "healthy", Value: "0.1%"}})
	at(7*time.Minute, incident.Record{Type: incident.TypeVerified, Payload: incident.Phase{Action: "undo", Workload: w, Message: "healthy for the 2m bake"}})
	at(8*time.Minute, incident.Record{Type: incident.TypeNote, Payload: incident.Note{Text: "payments team confirms recovery"}})
	at(8*time.Minute+time.Second, incident.Record{Type: incident.TypeNotificationSent, Payload: incident.Notification{Webhook: "team", Event: incident.TypeVerified, Attempts: 1, Status: 200}})
	now = t0.Add(10 * time.Minute)
	if _, err := j.CloseIncident("alice", "rolled back to revision 4"); err != nil {
		t.Fatal(err)
	}
	return j
}

func sampleAnalysis() Analysis {
	return Analysis{
		Deployed:     t0.Add(-6 * time.Minute),
		BadRevision:  "checkout revision 5 (checkout:2.1.0)",
		GoodRevision: "revision 4 (checkout:2.0.3)",
		Changes:      []string{"image checkout:2.0.3 → checkout:2.1.0", "memory limit 512Mi (unchanged)"},
		Diff:         "--- revision 4\n+++ revision 5\n-        image: checkout:2.0.3\n+        image: checkout:2.1.0\n         env:\n         - name: DB_PASSWORD\n           valueFrom: secretKeyRef db-creds/password\n",
		Events: []KubeEvent{
			{Time: t0.Add(-4 * time.Minute), Object: "pod/checkout-5-abc", Reason: "OOMKilled", Message: "container checkout exceeded 512Mi", Count: 4},
			{Time: t0.Add(-3 * time.Minute), Object: "pod/checkout-5-def", Reason: "BackOff", Message: "Back-off restarting failed container", Count: 2},
		},
		Logs: []LogLine{
			{Pod: "checkout-5-abc", Container: "checkout", Line: "payment client: upstream 502 with Authorization: Bearer abcdefghijklmnop"},
			{Pod: "checkout-5-abc", Container: "checkout", Line: "db connect password=hunter2 failed ```"},
		},
		Metrics: []MetricWindow{{Signal: "error_ratio", Before: "0.1%", During: "7.2%", After: "0.1%", Plot: " 7.2 ┤  ╭╮\n 0.1 ┼──╯╰──"}},
		Impact:  &Impact{FailedRequests: 1834, TotalRequests: 25400, AffectedShare: 0.41, Window: "14:14-14:27", Query: `sum(increase(http_requests_total{code=~"5.."}[13m]))`},
		Hints:   []string{"new image checkout:2.1.0; 41% of pods OOMKilled; memory limit unchanged"},
	}
}

func draft(t *testing.T) (Report, *incident.Journal) {
	t.Helper()
	j := scriptedIncident(t, t.TempDir())
	inc, recs, _, err := incident.Read(j.File())
	if err != nil {
		t.Fatal(err)
	}
	r, err := Draft(inc, recs, sampleAnalysis())
	if err != nil {
		t.Fatal(err)
	}
	r.Generated = t0.Add(time.Hour)
	r.Journal.Path = "INC-20261125-1420-checkout.jsonl"
	return r, j
}

func TestMarkdownGolden(t *testing.T) {
	r, _ := draft(t)
	md, err := Markdown(r, "", "")
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "report.golden.md")
	if *update {
		_ = os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, md, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(md) != string(want) {
		t.Errorf("report differs from %s (go test -update to accept):\n%s", golden, md)
	}
}

func TestDraftFacts(t *testing.T) {
	r, _ := draft(t)
	s := r.Summary
	if !s.Start.Equal(t0.Add(-6*time.Minute)) || !s.End.Equal(t0.Add(7*time.Minute)) || s.Duration != 13*time.Minute ||
		s.TimeToDetect != 6*time.Minute+30*time.Second || s.TimeToRecover != 3*time.Minute+30*time.Second {
		t.Errorf("summary %+v", s)
	}
	want := map[string]time.Duration{
		MilestoneDeploy: -6 * time.Minute, MilestoneDetection: 30 * time.Second, MilestoneDecision: 2 * time.Minute,
		MilestoneAction: 2*time.Minute + 12*time.Second, MilestoneRecovery: 4 * time.Minute, MilestoneStable: 7 * time.Minute,
	}
	for _, m := range r.Milestones {
		if !m.Time.Equal(t0.Add(want[m.Name])) {
			t.Errorf("milestone %s at %v, want %v", m.Name, m.Time.Sub(t0), want[m.Name])
		}
	}
	if len(r.Actions) != 2 || r.Actions[0].Outcome != "succeeded" || r.Actions[1].Outcome != "verified" {
		t.Errorf("actions %+v", r.Actions)
	}
	if r.Summary.Impact != "1834 failed requests of 25400 (7.2%); 41% of traffic affected over 14:14-14:27" {
		t.Errorf("impact %q", r.Summary.Impact)
	}
	if len(r.RootCause) != 5 || !strings.Contains(r.RootCause[3], "4 OOMKilled") {
		t.Errorf("hints %q", r.RootCause)
	}
	for _, e := range r.Timeline {
		if e.Type == incident.TypeNotificationSent || e.Text == "deployment/checkout: 5 of 10 updated" {
			t.Errorf("chatter in the timeline: %+v", e)
		}
	}
	if _, err := Draft(incident.Incident{}, nil, Analysis{}); err == nil {
		t.Error("a report without an incident")
	}
}

// Secrets planted in the analysis and the engineer's text never reach any
// rendering of the report.
func TestReportRedacts(t *testing.T) {
	j := scriptedIncident(t, t.TempDir())
	inc, recs, _, _ := incident.Read(j.File())
	a := sampleAnalysis()
	a.Redactor = redact.New("correct-horse-battery")
	a.Logs = append(a.Logs, LogLine{Pod: "p", Line: "secret value correct-horse-battery leaked; ghp_16C7e42F292c6912E7710c838347Ae178B4a"})
	r, err := Draft(inc, recs, a)
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithEdits(Edits{RootCause: "the AKIAIOSFODNN7EXAMPLE key was rotated", LessonsLearned: "never log token=abcd1234efgh"})
	md, _ := Markdown(r, "", "")
	js, _ := JSON(r)
	for _, out := range []string{string(md), string(js)} {
		for _, s := range []string{"hunter2", "abcdefghijklmnop", "correct-horse-battery", "ghp_16C7", "AKIAIOSFODNN7EXAMPLE", "abcd1234efgh"} {
			if strings.Contains(out, s) {
				t.Errorf("%q in the report", s)
			}
		}
	}
	if !strings.Contains(string(md), "secretKeyRef db-creds/password") {
		t.Error("the secret reference was lost")
	}
}

func TestUnknownOutcomeAndOngoing(t *testing.T) {
	dir := t.TempDir()
	j, err := incident.Open(dir, incident.Opened{Title: "payments latency"}, incident.Options{Actor: "alice", Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Intent(context.Background(), incident.Action{Action: "set-image", Workload: incident.Workload{Name: "deployment/payments"}, Description: "payments=3.0.1"}); err != nil {
		t.Fatal(err)
	}
	r, err := Draft(j.Incident(), j.Records(), Analysis{})
	if err != nil {
		t.Fatal(err)
	}
	md, _ := Markdown(r, "", "")
	for _, s := range []string{"ongoing", "**outcome unknown**", "**unknown**: no result recorded", "1 action(s) with outcome unknown",
		"No evidence was gathered", "_What went well?_", "- [ ] _Action"} {
		if !strings.Contains(string(md), s) {
			t.Errorf("report lacks %q:\n%s", s, md)
		}
	}
}

func TestEditsMergedAndKept(t *testing.T) {
	r, j := draft(t)
	path := EditsPath(j.File())
	if !strings.HasSuffix(path, ".report.json") || filepath.Dir(path) != filepath.Dir(j.File()) {
		t.Errorf("edits path %s", path)
	}
	e, err := LoadEdits(path)
	if err != nil || e != (Edits{}) {
		t.Fatalf("no edits yet: %+v %v", e, err)
	}
	if err := e.Set("lessons-learned", "- canary analysis would have caught the OOM\n- | pipes | stay text"); err != nil {
		t.Fatal(err)
	}
	if err := e.Set("conclusion", "x"); err == nil || !strings.Contains(err.Error(), "lessons-learned") {
		t.Errorf("unknown section: %v", err)
	}
	e.By, e.Updated = "alice", t0
	if err := SaveEdits(path, e); err != nil {
		t.Fatal(err)
	}
	back, err := LoadEdits(path)
	if err != nil || back.LessonsLearned != e.LessonsLearned || back.By != "alice" || !back.Updated.Equal(t0) {
		t.Fatalf("edits read back %+v %v", back, err)
	}
	md, _ := Markdown(r.WithEdits(back), "", "")
	if !strings.Contains(string(md), "## Lessons learned\n\n- canary analysis would have caught the OOM\n") || strings.Contains(string(md), "_What went well?_") {
		t.Errorf("edits not merged:\n%s", md)
	}
	_ = os.WriteFile(path, []byte("{not json"), 0o600)
	if _, err := LoadEdits(path); err == nil || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged edits: %v", err)
	}
}

func TestCustomTemplate(t *testing.T) {
	r, _ := draft(t)
	md, err := Markdown(r, "team.tmpl", `{{ .Incident.ID }} lasted {{ dur .Summary.Duration }}; {{ len .Actions }} actions`)
	if err != nil || string(md) != "INC-20261125-1420-checkout lasted 13m 00s; 2 actions" {
		t.Errorf("%q %v", md, err)
	}
	if _, err := Markdown(r, "team.tmpl", `{{ .Incident.ID `); err == nil || !strings.Contains(err.Error(), "team.tmpl") {
		t.Errorf("parse error: %v", err)
	}
	if _, err := Markdown(r, "team.tmpl", `{{ .Nope }}`); err == nil || !strings.Contains(err.Error(), "Nope") {
		t.Errorf("execute error: %v", err)
	}
	if err := CheckTemplate("x", DefaultTemplate()); err != nil {
		t.Error(err)
	}
}

func TestJSON(t *testing.T) {
	r, _ := draft(t)
	data, err := JSON(r)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Incident   struct{ ID string }
		Summary    struct{ Duration int64 }
		Milestones []struct{ Name string }
		Journal    struct{ Records int }
	}
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	if back.Incident.ID != r.Incident.ID || back.Summary.Duration != int64(13*time.Minute) || len(back.Milestones) != 6 || back.Journal.Records != 15 {
		t.Errorf("json %+v", back)
	}
}

// An enormous log line is cut, and a fence in a log line cannot close the
// report's code block.
func TestBoundsAndFences(t *testing.T) {
	a := Analysis{Logs: []LogLine{{Pod: "p", Line: strings.Repeat("é", 1<<20)}}}
	for i := range 80 {
		a.Logs = append(a.Logs, LogLine{Pod: "p", Line: "line " + itoa(i) + " ````"})
	}
	b := a.bounded()
	if len(b.Logs) != maxLogLines || b.Logs[len(b.Logs)-1].Line != "line 79 ````" {
		t.Errorf("%d log lines kept, last %q", len(b.Logs), b.Logs[len(b.Logs)-1].Line)
	}
	long := a.bounded()
	long.Logs = nil
	if got := cut(strings.Repeat("é", 1<<20), maxLineBytes); len(got) > maxLineBytes+30 || !strings.HasSuffix(got, "MiB more)") {
		t.Errorf("cut to %d bytes: %q", len(got), got[len(got)-20:])
	}
	f := fence("", "a ```` b")
	if !strings.HasPrefix(f, "`````\n") || !strings.HasSuffix(f, "\n`````") {
		t.Errorf("fence %q", f)
	}
}

func TestAnalysisTravelsWithTheJournal(t *testing.T) {
	dir := t.TempDir()
	w := incident.Workload{Namespace: "shop", Name: "deployment/checkout"}
	j, err := incident.Open(dir, incident.Opened{Title: "checkout errors", Workloads: []incident.Workload{w}}, incident.Options{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	a := Analysis{BadRevision: "revision 6 (checkout:2.1.0)", Changes: []string{"image checkout:2.0.3 → checkout:2.1.0"},
		Hints:  []string{"likely: 3 of 5 pods of revision 6 OOMKilled; memory limit unchanged"},
		Impact: &Impact{FailedRequests: 1234, TotalRequests: 10000, AffectedShare: 0.1234, Window: "14:02–14:20"},
		Logs:   []LogLine{{Pod: "checkout-6-abc", Line: "Authorization: Bearer abc.def.ghi"}}}
	rec, err := Record(w, a, []error{errors.New("logs of pod checkout-6-abc: the kubelet did not answer")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(rec); err != nil {
		t.Fatal(err)
	}
	j.Close()
	// Another machine: only the file.
	inc, recs, _, err := incident.Read(incident.Path(dir, j.ID()))
	if err != nil {
		t.Fatal(err)
	}
	r, err := Draft(inc, recs, Analysis{})
	if err != nil {
		t.Fatal(err)
	}
	md, err := Markdown(r, "", "")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"OOMKilled", "checkout:2.0.3 → checkout:2.1.0", "1234 failed requests of 10000"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(string(md), "abc.def.ghi") {
		t.Error("a bearer token reached the report")
	}
	if got := recs[len(recs)-1].Payload.Summary(); !strings.Contains(got, "OOMKilled") || !strings.Contains(got, "1 source(s) unavailable") {
		t.Errorf("timeline text %q", got)
	}
}
