package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/rollout"
)

var openedIncident = regexp.MustCompile(`opened incident (INC-[A-Za-z0-9.-]+) \(`)

func TestUndoIsJournaledInAnIncidentItOpens(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("undo", "deployment/checkout", "--to-revision", "4", "--reason", "payment client regression", "--yes")
	r.wantCode(t, 0)
	m := openedIncident.FindStringSubmatch(r.stderr)
	if m == nil {
		t.Fatalf("stderr does not name the incident:\n%s", r.stderr)
	}
	id := m[1]
	if got := c.deployment("checkout").Annotations[rollout.IncidentAnnotation]; got != id {
		t.Fatalf("workload annotation %q, want %q", got, id)
	}
	show := c.demoRun("incident", "show", id, "-o", "json")
	show.wantCode(t, 0)
	var doc struct {
		Incident incident.Incident `json:"incident"`
		Timeline []incident.Entry  `json:"timeline"`
		Pending  []incident.Entry  `json:"pending"`
	}
	if err := json.Unmarshal([]byte(show.stdout), &doc); err != nil {
		t.Fatalf("%v\n%s", err, show.stdout)
	}
	var types []string
	for _, e := range doc.Timeline {
		types = append(types, string(e.Type))
	}
	want := "incident-opened progress action-planned confirmed action-intent action-result executed"
	if strings.Join(types, " ") != want {
		t.Fatalf("timeline %v\nwant %s", types, want)
	}
	if doc.Incident.Actions != 1 || len(doc.Pending) != 0 || doc.Timeline[4].Outcome != incident.OutcomeSucceeded {
		t.Fatalf("incident %+v, intent %+v", doc.Incident, doc.Timeline[4])
	}
	// The deploy of the bad revision is in the timeline at its own time.
	if !strings.Contains(doc.Timeline[1].Text, "revision 6 went live") {
		t.Fatalf("deployed milestone %q", doc.Timeline[1].Text)
	}

	// A second action on the same workload joins the open incident.
	r = c.demoRun("undo", "deployment/checkout", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "journaled in "+id) {
		t.Fatalf("the second undo did not join %s:\n%s", id, r.stderr)
	}
}

func TestDryRunAndDeclinedActionsOpenNoIncident(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.demoRun("undo", "deployment/checkout", "--dry-run=server").wantCode(t, 0)
	c.tty = true
	c.stdin = strings.NewReader("n\n")
	c.demoRun("undo", "deployment/checkout").wantCode(t, exitFailed)
	ls := c.demoRun("incident", "ls", "-o", "json")
	ls.wantCode(t, 0)
	if strings.TrimSpace(ls.stdout) != "[]" {
		t.Fatalf("incidents: %s", ls.stdout)
	}
}

func TestUnwritableJournalRefusesTheActionBeforeItStarts(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	blocker := filepath.Join(t.TempDir(), "journals")
	if err := os.WriteFile(blocker, []byte("a file, not a directory"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.demoRun("--journal-dir", blocker, "undo", "deployment/checkout", "--yes")
	r.wantCode(t, exitFailed)
	r.wantOneLineError(t, "refusing to act", "journaled first", blocker)
	if got := checkoutImage(c); got != img215 {
		t.Fatalf("the workload changed without a record: %s", got)
	}
	if patches(c) != 0 {
		t.Fatalf("%d patches sent", patches(c))
	}
}

func TestNamedIncidentIsJoined(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.demoRun("incident", "open", "checkout errors", "--id", "INC-42", "--severity", "SEV2").wantCode(t, 0)
	r := c.demoRun("pause", "deployment/checkout", "--incident", "INC-42", "--yes")
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "journaled in INC-42") {
		t.Fatalf("stderr:\n%s", r.stderr)
	}
	if got := c.deployment("checkout").Annotations[rollout.IncidentAnnotation]; got != "INC-42" {
		t.Fatalf("annotation %q", got)
	}
	bad := c.demoRun("undo", "deployment/checkout", "--incident", "../etc/passwd", "--yes")
	bad.wantCode(t, exitUsage)
}

func TestClosedIncidentTakesNoAction(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.demoRun("incident", "open", "checkout errors", "--id", "INC-5").wantCode(t, 0)
	c.demoRun("incident", "close", "INC-5").wantCode(t, 0)
	r := c.demoRun("undo", "deployment/checkout", "--incident", "INC-5", "--yes")
	r.wantCode(t, exitFailed)
	r.wantOneLineError(t, "INC-5 is closed", "open a new one")
	if strings.Contains(r.stdout, "Plan:") || patches(c) != 0 {
		t.Fatalf("planned or patched for a closed incident:\n%s", r.stdout)
	}
}

func TestAnalyzeNeedsAnExistingWorkload(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.demoRun("incident", "open", "checkout errors", "--id", "INC-6").wantCode(t, 0)
	r := c.demoRun("incident", "analyze", "INC-6", "deployment/nope")
	r.wantCode(t, exitFailed)
	r.wantOneLineError(t, "deployment/nope not found")
	show := c.demoRun("incident", "show", "INC-6")
	if strings.Contains(show.stdout, "analysis of") {
		t.Fatalf("an analysis of an unknown workload was journaled:\n%s", show.stdout)
	}
	// A real one is gathered and journaled, with its hints.
	r = c.demoRun("incident", "analyze", "INC-6", "deployment/checkout")
	r.wantCode(t, 0)
	show = c.demoRun("incident", "show", "INC-6")
	if !strings.Contains(show.stdout, "analysis of deployment/checkout") {
		t.Fatalf("no analysis in the timeline:\n%s", show.stdout)
	}
}
