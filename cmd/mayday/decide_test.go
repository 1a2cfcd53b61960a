package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/output"
)

func TestDecideRecommendsRollingBackToTheLastKnownGood(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("decide", "deployment/checkout", "-o", "json")
	r.wantCode(t, exitOK)
	var doc output.DecisionDoc
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if doc.Kind != "Decision" || !doc.Decided || doc.Action != "rollback" || doc.Target.Revision != 5 {
		t.Fatalf("decision = %+v", doc.Recommendation)
	}
	var traffic, health bool
	for _, s := range doc.Path {
		switch s.Node {
		case "traffic":
			traffic = s.Engineer == "" && s.Answer == "rolling" // from the evidence
		}
		if strings.HasPrefix(s.Source, "health: ✗ critical") {
			health = true
		}
	}
	if !traffic || !health {
		t.Errorf("path lacks the engineer's traffic answer or the health evidence: %+v", doc.Path)
	}
}

func TestDecideRejectsAnUnknownQuestion(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	r := c.demoRun("decide", "deployment/checkout", "--answer", "bogus=yes")
	r.wantCode(t, exitUsage)
	r.wantOneLineError(t, "bogus")
}

func TestDecideWarnsAboutABadPolicyAndUsesTheDefault(t *testing.T) {
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	if err := os.WriteFile(filepath.Join(c.paths.ConfigDir, "decide.yaml"), []byte("start: nowhere\nnodes: [\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.demoRun("decide", "deployment/checkout")
	r.wantCode(t, exitOK)
	if !strings.Contains(r.stderr, "decide.yaml") || !strings.Contains(r.stderr, "using the built-in policy") {
		t.Errorf("stderr = %q", r.stderr)
	}
	if !strings.Contains(r.stdout, "→ ROLLBACK to revision 5") {
		t.Errorf("stdout:\n%s", r.stdout)
	}
}
