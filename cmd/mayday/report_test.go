package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/report"
)

// A journal copied to another machine (another directory, no config)
// renders the same report from its path, with the edits kept next to it.
func TestReportOfflineFromACopiedJournal(t *testing.T) {
	c, dir := journalCLI(t)
	c.journal(dir, "incident", "open", "checkout errors", "--id", "INC-5", "--severity", "SEV1", "-w", "deployment/checkout").wantCode(t, 0)
	j, err := incident.Load(dir, "INC-5", incident.Options{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	id, _ := j.Intent(context.Background(), incident.Action{Action: "undo", Workload: incident.Workload{Namespace: "shop", Name: "deployment/checkout"}, Description: "roll back to revision 4"})
	_ = j.Result(id, incident.Outcome{Status: incident.OutcomeSucceeded})
	_ = j.Close()
	c.journal(dir, "incident", "note", "INC-5", "rotated the key AKIAIOSFODNN7EXAMPLE after the incident").wantCode(t, 0)
	lessons := filepath.Join(t.TempDir(), "lessons.md")
	_ = os.WriteFile(lessons, []byte("- the canary would have caught it\n- token=abcdef123456 must not be in docs\n"), 0o600)

	r := c.journal(dir, "report", "INC-5", "--utc", "--set", "lessons-learned=@"+lessons, "--set", "action-items=- [ ] add a canary (alice, Friday)")
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "saved 2 section(s) to "+report.EditsPath(incident.Path(dir, "INC-5"))) {
		t.Errorf("stderr:\n%s", r.stderr)
	}
	first := r.stdout
	for _, s := range []string{"# INC-5: checkout errors", "| Severity | SEV1 |", "| action |", "about to undo deployment/checkout",
		"| succeeded |", "- the canary would have caught it", "- [ ] add a canary (alice, Friday)", "> **DRAFT**"} {
		if !strings.Contains(first, s) {
			t.Errorf("report lacks %q:\n%s", s, first)
		}
	}
	for _, s := range []string{"AKIAIOSFODNN7EXAMPLE", "abcdef123456"} {
		if strings.Contains(first, s) {
			t.Errorf("report holds the secret %q", s)
		}
	}

	// Another machine: the two files in a fresh directory, no --journal-dir.
	other := t.TempDir()
	for _, f := range []string{incident.Path(dir, "INC-5"), report.EditsPath(incident.Path(dir, "INC-5"))} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(filepath.Join(other, filepath.Base(f)), data, 0o600)
	}
	elsewhere := newCLI(t, c.cluster)
	elsewhere.env["XDG_DATA_HOME"] = t.TempDir()
	out := filepath.Join(t.TempDir(), "postmortem.md")
	r = elsewhere.run("report", filepath.Join(other, "INC-5.jsonl"), "--utc", "--out", out)
	r.wantCode(t, 0)
	got, _ := os.ReadFile(out)
	norm := func(s string) string { // the generation time and the file's path differ
		var keep []string
		for _, l := range strings.Split(s, "\n") {
			if !strings.Contains(l, "records; report generated") {
				keep = append(keep, l)
			}
		}
		return strings.Join(keep, "\n")
	}
	if norm(string(got)) != norm(first) {
		t.Errorf("the copied journal renders differently:\n%s\n----\n%s", got, first)
	}

	r = elsewhere.run("report", filepath.Join(other, "INC-5.jsonl"), "-o", "json")
	r.wantCode(t, 0)
	var doc struct {
		Incident struct{ ID string }
		Actions  []struct{ Outcome string }
		Edits    struct{ LessonsLearned string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil || doc.Incident.ID != "INC-5" || len(doc.Actions) != 1 ||
		doc.Actions[0].Outcome != "succeeded" || !strings.Contains(doc.Edits.LessonsLearned, "canary") {
		t.Errorf("json %+v %v", doc, err)
	}
}

func TestReportTemplates(t *testing.T) {
	c, dir := journalCLI(t)
	c.journal(dir, "incident", "open", "checkout errors", "--id", "INC-6").wantCode(t, 0)
	r := c.run("report", "--default-template")
	r.wantCode(t, 0)
	if r.stdout != report.DefaultTemplate() {
		t.Error("--default-template is not the built-in template")
	}
	tmpl := filepath.Join(t.TempDir(), "team.tmpl")
	_ = os.WriteFile(tmpl, []byte("{{ .Incident.ID }} owned by {{ .Summary.Owner }}\n"), 0o600)
	r = c.journal(dir, "report", "INC-6", "--template", tmpl)
	r.wantCode(t, 0)
	if r.stdout != "INC-6 owned by demo:oncall\n" {
		t.Errorf("custom template: %q", r.stdout)
	}
	_ = os.WriteFile(c.paths.ConfigFile(), []byte("incidents:\n  reportTemplate: "+tmpl+"\n"), 0o600)
	r = c.journal(dir, "report", "INC-6")
	if r.code != 0 || r.stdout != "INC-6 owned by demo:oncall\n" {
		t.Errorf("configured template: %q %s", r.stdout, r.stderr)
	}
	broken := filepath.Join(t.TempDir(), "broken.tmpl")
	_ = os.WriteFile(broken, []byte("{{ .Nope }}"), 0o600)
	r = c.journal(dir, "report", "INC-6", "--template", broken)
	r.wantCode(t, 1)
	r.wantOneLineError(t, "rendering the report", "Nope")
}

func TestReportBadInput(t *testing.T) {
	c, dir := journalCLI(t)
	c.journal(dir, "incident", "open", "x", "--id", "INC-8").wantCode(t, 0)
	for _, tc := range []struct {
		args    []string
		code    int
		phrases []string
	}{
		{[]string{"report"}, 2, []string{"ID or FILE"}},
		{[]string{"report", "INC-8", "-o", "pdf"}, 2, []string{`"pdf"`, "md or json"}},
		{[]string{"report", "INC-8", "--set", "conclusion=x"}, 2, []string{"not an editable section", "lessons-learned"}},
		{[]string{"report", "INC-8", "--set", "lessons-learned"}, 2, []string{"SECTION=TEXT"}},
		{[]string{"report", "INC-8", "--set", "lessons-learned=@/nonexistent"}, 2, []string{"/nonexistent"}},
		{[]string{"report", "INC-8", "--template", "/nonexistent"}, 2, []string{"--template"}},
		{[]string{"report", "INC-404"}, 1, []string{"no incident INC-404", "mayday incident ls"}},
		{[]string{"report", "INC-8", "--out", "/nonexistent/dir/r.md"}, 1, []string{"/nonexistent/dir"}},
	} {
		r := c.journal(dir, tc.args...)
		if r.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, r.code, tc.code, r.stdout, r.stderr)
			continue
		}
		r.wantOneLineError(t, tc.phrases...)
	}
	// Damaged edits: the report is drafted without them, and says so.
	_ = os.WriteFile(report.EditsPath(incident.Path(dir, "INC-8")), []byte("{oops"), 0o600)
	r := c.journal(dir, "report", "INC-8")
	if r.code != 0 || !strings.Contains(r.stderr, "damaged") || !strings.Contains(r.stdout, "# INC-8") {
		t.Errorf("damaged edits: %d\n%s", r.code, r.stderr)
	}
	r = c.journal(dir, "report", "INC-8", "--set", "summary=x")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "damaged", "move it away")
}
