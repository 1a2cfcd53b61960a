package main

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/version"
)

func TestHistoryTable(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("history", "deployment/checkout")
	r.wantCode(t, 0)
	if r.stderr != "" {
		t.Errorf("stderr: %q", r.stderr)
	}
	for _, want := range []string{
		"deployment/checkout in namespace shop: 6 revisions, current 6",
		"REVISION", "AGE", "CREATED (UTC)", "READY", "IMAGES", "CHANGE-CAUSE",
		"checkout:2.13.0 envoy:1.31.2", "deploy checkout 2.15.0: payments client v2 (CHG-2417)",
		"* current revision", "images of checkout from registry.example.com/shop/",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("history does not show %q:\n%s", want, r.stdout)
		}
	}
	// One row per revision, the current one marked.
	rows := regexp.MustCompile(`(?m)^([* ])  (\d+)\s`).FindAllStringSubmatch(r.stdout, -1)
	if len(rows) != 6 {
		t.Fatalf("%d revision rows, want 6:\n%s", len(rows), r.stdout)
	}
	for _, row := range rows {
		if (row[1] == "*") != (row[2] == "6") {
			t.Errorf("row %q: only revision 6 is current", row[0])
		}
	}
	if strings.Contains(r.stdout, "\x1b[") {
		t.Error("colour codes without a terminal")
	}
}

func TestHistoryShowsFormerRevisionNumbers(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("history", "deploy/payments")
	r.wantCode(t, 0)
	// payments was rolled back to revision 4, which became 6.
	if !regexp.MustCompile(`(?m)^\*  6 \(was 4\)\s`).MatchString(r.stdout) {
		t.Errorf("renumbered revision not shown as 6 (was 4):\n%s", r.stdout)
	}
}

func TestHistoryFitsAnEightyColumnTerminal(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.tty, c.width = true, 80
	c.env["NO_COLOR"] = "1"
	for _, ref := range []string{"deployment/checkout", "deployment/payments", "sts/ledger", "ds/log-agent"} {
		r := c.demoRun("history", ref)
		r.wantCode(t, 0)
		for _, line := range strings.Split(r.stdout, "\n") {
			if w := runewidth.StringWidth(line); w > 80 {
				t.Errorf("%s: line of %d columns:\n%s", ref, w, line)
			}
		}
		if strings.Contains(r.stdout, "\x1b") {
			t.Errorf("%s: escape codes despite NO_COLOR", ref)
		}
		// The change-causes are still there, on their own lines.
		if ref == "deployment/checkout" && !strings.Contains(r.stdout, "deploy checkout 2.14.0: address autocomplete") {
			t.Errorf("change-cause missing:\n%s", r.stdout)
		}
	}
}

func TestHistoryColourOnlyOnATerminal(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.tty = true
	r := c.demoRun("history", "deployment/checkout")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "\x1b[1m") {
		t.Error("no colour on a terminal without NO_COLOR")
	}
}

func TestHistoryJSON(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("history", "deployment/payments", "-o", "json")
	r.wantCode(t, 0)
	var doc output.HistoryDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Kind != "History" || doc.Workload != (output.WorkloadDoc{Kind: "deployment", Namespace: "shop", Name: "payments"}) {
		t.Errorf("header %+v", doc)
	}
	if doc.CurrentRevision != 6 || len(doc.Revisions) != 5 {
		t.Fatalf("current %d, %d revisions", doc.CurrentRevision, len(doc.Revisions))
	}
	last := doc.Revisions[len(doc.Revisions)-1]
	if last.Revision != 6 || !last.Current || len(last.FormerRevisions) != 1 || last.FormerRevisions[0] != 4 {
		t.Errorf("last revision %+v", last)
	}
	if len(last.Images) != 2 || !last.Images[0].Init || !strings.Contains(last.Images[1].Image, "@sha256:") {
		t.Errorf("images %+v (want the init container and full digests)", last.Images)
	}
	if last.Source.Kind != "ReplicaSet" || last.Source.UID == "" || last.Template != nil {
		t.Errorf("source %+v, template included: %v", last.Source, last.Template != nil)
	}
	// Stable shape: every documented field is present, lists are never null.
	var raw map[string]any
	_ = json.Unmarshal([]byte(r.stdout), &raw)
	first := raw["revisions"].([]any)[0].(map[string]any)
	for _, k := range []string{"revision", "formerRevisions", "current", "created", "images", "changeCause", "ready", "desired", "source"} {
		if _, ok := first[k]; !ok {
			t.Errorf("revision field %q missing", k)
		}
	}
	if first["formerRevisions"] == nil {
		t.Error("formerRevisions is null, want []")
	}
}

func TestHistoryYAMLAndStatefulSet(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("history", "statefulset/ledger", "-o", "yaml")
	r.wantCode(t, 0)
	var doc output.HistoryDoc
	if err := yaml.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Workload.Kind != "statefulset" || len(doc.Revisions) != 4 || doc.Revisions[0].Source.Kind != "ControllerRevision" {
		t.Errorf("doc %+v", doc)
	}
}

func TestHistoryOneRevision(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("history", "deployment/checkout", "--revision", "4")
	r.wantCode(t, 0)
	for _, want := range []string{"revision 4", "pod template:", "image: registry.example.com/shop/checkout:2.13.0", "limit 768Mi"} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("missing %q:\n%s", want, r.stdout)
		}
	}
	if strings.Contains(r.stdout, rollout.PodTemplateHashKey) {
		t.Error("the pod-template-hash label is shown")
	}
	r = c.demoRun("history", "deployment/checkout", "--revision", "4", "-o", "json")
	r.wantCode(t, 0)
	var doc output.RevisionDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Revision != 4 || doc.Template == nil || doc.Template.Spec.Containers[0].Image != "registry.example.com/shop/checkout:2.13.0" {
		t.Errorf("revision doc %+v", doc)
	}
	r = c.demoRun("history", "deployment/checkout", "--revision", "42")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "unable to find specified revision 42 in history")
}

func TestDiff(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("diff", "deployment/checkout", "3", "4")
	r.wantCode(t, 0)
	// Summary first, then the unified diff.
	summary := strings.Index(r.stdout, "Changes (3):")
	unified := strings.Index(r.stdout, "--- revision 3")
	if summary < 0 || unified < 0 || summary > unified {
		t.Fatalf("want the summary before the unified diff:\n%s", r.stdout)
	}
	for _, want := range []string{
		"image      checkout: registry.example.com/shop/checkout:2.12.1 → registry.example.com/shop/checkout:2.13.0",
		"image      envoy: registry.example.com/platform/envoy:1.30.4 → registry.example.com/platform/envoy:1.31.2",
		"resources  checkout limits.memory: 512Mi → 768Mi",
		"+++ revision 4", "-    image: registry.example.com/shop/checkout:2.12.1",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("diff lacks %q:\n%s", want, r.stdout)
		}
	}

	r = c.demoRun("diff", "deployment/checkout", "5", "-o", "json")
	r.wantCode(t, 0)
	var doc output.DiffDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.From.Revision != 5 || doc.To.Revision != 6 || doc.To.Label != "current template (revision 6)" || doc.Identical {
		t.Errorf("sides %+v → %+v", doc.From, doc.To)
	}
	var env bool
	for _, ch := range doc.Changes {
		if ch.Kind == "env" && ch.Field == "PAYMENTS_CLIENT" && ch.From == "" && ch.To == `"v2"` {
			env = true
		}
	}
	if !env {
		t.Errorf("env change PAYMENTS_CLIENT not summarised: %+v", doc.Changes)
	}

	r = c.demoRun("diff", "deployment/checkout", "6")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "no differences") {
		t.Errorf("diff of the current revision with itself:\n%s", r.stdout)
	}
}

func TestDiffColour(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	c.tty = true
	r := c.demoRun("diff", "deployment/checkout", "4", "5")
	if !strings.Contains(r.stdout, "\x1b[32m+    image:") || !strings.Contains(r.stdout, "\x1b[31m-    image:") {
		t.Errorf("no colour on a terminal:\n%q", r.stdout)
	}
	c.env["NO_COLOR"] = "1"
	r = c.demoRun("diff", "deployment/checkout", "4", "5")
	if strings.Contains(r.stdout, "\x1b") {
		t.Error("colour despite NO_COLOR")
	}
}

func TestStatus(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("status", "deployment/frontend")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "✓ complete: updated 3, ready 3, available 3 of 3") {
		t.Errorf("status:\n%s", r.stdout)
	}
	r = c.demoRun("status", "deployment/checkout", "-o", "json")
	r.wantCode(t, 0)
	var doc output.RolloutStatusDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Kind != "RolloutStatus" || doc.Phase != "progressing" || doc.Desired != 4 || doc.Workload.Name != "checkout" {
		t.Errorf("status doc %+v", doc)
	}
}

func TestVersion(t *testing.T) {
	c := newCLI(t, nil)
	r := c.run("version")
	r.wantCode(t, 0)
	if !strings.HasPrefix(r.stdout, "mayday ") || !strings.Contains(r.stdout, "go:") {
		t.Errorf("version:\n%s", r.stdout)
	}
	r = c.run("version", "-o", "json")
	r.wantCode(t, 0)
	var v version.Info
	if err := json.Unmarshal([]byte(r.stdout), &v); err != nil {
		t.Fatal(err)
	}
	if v.Version == "" || v.GoVersion == "" || v.Commit == "" || v.Date == "" {
		t.Errorf("version doc %+v", v)
	}
}

// mayday with no subcommand is the console; without a terminal it says
// what to use instead of drawing into a pipe.
func TestNoSubcommandNeedsATerminal(t *testing.T) {
	r := newCLI(t, nil).run()
	r.wantCode(t, 2)
	r.wantOneLineError(t, "the console needs a terminal", "history, diff, undo, status")
	r = newCLI(t, nil).run("--help")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "Available Commands:") || !strings.Contains(r.stdout, "--demo") || !strings.Contains(r.stdout, "--theme") {
		t.Errorf("help:\n%s", r.stdout)
	}
}

// Strings from the cluster never reach the terminal with their control
// sequences; JSON keeps them exactly, escaped.
func TestClusterStringsAreEscaped(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	ctx := context.Background()
	rss := c.cluster.Client().AppsV1().ReplicaSets(demo.Namespace)
	list, err := rss.List(ctx, metav1.ListOptions{LabelSelector: labels.Set{"app.kubernetes.io/name": "checkout"}.String()})
	if err != nil || len(list.Items) == 0 {
		t.Fatalf("listing ReplicaSets: %v", err)
	}
	evil := "deploy \x1b]0;pwned\x07 \x1b[2J\u009b31m fine ✓ 日本"
	rs := list.Items[0]
	rs.Annotations[rollout.ChangeCauseAnnotation] = evil
	if _, err := rss.Update(ctx, &rs, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	r := c.demoRun("history", "deployment/checkout")
	r.wantCode(t, 0)
	if strings.ContainsAny(r.stdout, "\x1b\x07\u009b") {
		t.Fatalf("control characters reached the terminal:\n%q", r.stdout)
	}
	if !strings.Contains(r.stdout, `deploy \x1b]0;pwned\x07 \x1b[2J\u009b31m fine ✓ 日本`) {
		t.Errorf("escaped change-cause not shown:\n%s", r.stdout)
	}
	r = c.demoRun("history", "deployment/checkout", "-o", "json")
	r.wantCode(t, 0)
	if strings.ContainsAny(r.stdout, "\x1b\x07\u009b") {
		t.Fatalf("raw control characters in JSON:\n%q", r.stdout)
	}
	var doc output.HistoryDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, rev := range doc.Revisions {
		found = found || rev.ChangeCause == evil
	}
	if !found {
		t.Error("JSON does not carry the exact change-cause")
	}
}
