package output

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestParseFormat(t *testing.T) {
	for in, want := range map[string]Format{"": Table, "table": Table, "JSON": JSON, "yaml": YAML, "yml": YAML} {
		if got, err := ParseFormat(in); err != nil || got != want {
			t.Errorf("ParseFormat(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseFormat("wide"); err == nil || !strings.Contains(err.Error(), "table, json or yaml") {
		t.Errorf("ParseFormat(wide) error %v", err)
	}
}

// JSON keeps the exact strings but escapes what a terminal would act on.
func TestJSONEscapesTerminalControls(t *testing.T) {
	in := map[string]string{"cause": "a\x1b[31m \u009b2J \u202eevil ✓ 日本"}
	var buf bytes.Buffer
	if err := WriteDoc(&buf, JSON, in); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(buf.String(), "\x1b\u009b\u202e") {
		t.Fatalf("raw controls in %q", buf.String())
	}
	if !strings.Contains(buf.String(), `\u009b`) || !strings.Contains(buf.String(), "✓ 日本") {
		t.Errorf("JSON %q", buf.String())
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["cause"] != in["cause"] {
		t.Errorf("round trip %q, %v", back["cause"], err)
	}
	buf.Reset()
	if err := WriteLine(&buf, JSON, in); err != nil || strings.Count(buf.String(), "\n") != 1 {
		t.Errorf("WriteLine %q, %v", buf.String(), err)
	}
}

func TestWrapText(t *testing.T) {
	got := wrapText("one two three four five", 9)
	want := []string{"one two", "three", "four five"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("wrapText = %q", got)
	}
	if got := wrapText("unbreakable-word-here", 8); runewidth.StringWidth(got[0]) > 8 || !strings.HasSuffix(got[0], "…") {
		t.Errorf("long word not cut: %q", got)
	}
	if got := wrapText("short", 0); len(got) != 1 || got[0] != "short" {
		t.Errorf("no width: %q", got)
	}
}

func TestTableAlignsWideCharacters(t *testing.T) {
	tb := &table{header: []string{"A", "B"}}
	tb.add("日本", "x")
	tb.add("ab", "y")
	var buf bytes.Buffer
	_ = tb.render(&buf, 0, -1, Styles{})
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	col := func(l string, r rune) int { return runewidth.StringWidth(l[:strings.IndexRune(l, r)]) }
	if col(lines[1], 'x') != col(lines[2], 'y') || col(lines[0], 'B') != col(lines[1], 'x') {
		t.Errorf("columns not aligned:\n%s", buf.String())
	}
	buf.Reset()
	tb.add("c", strings.Repeat("z", 50))
	_ = tb.render(&buf, 20, 1, Styles{})
	for _, l := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
		if runewidth.StringWidth(l) > 20 {
			t.Errorf("line wider than 20: %q", l)
		}
	}
}

func TestImageNames(t *testing.T) {
	revs := []rollout.Revision{
		{Images: []rollout.ContainerImage{
			{Container: "migrate", Image: "reg.example/shop/payments:1@sha256:0123456789abcdef0123", Init: true},
			{Container: "payments", Image: "reg.example/shop/payments:1@sha256:0123456789abcdef0123"},
			{Container: "proxy", Image: "reg.example/platform/envoy:1.30"},
		}},
		{Images: []rollout.ContainerImage{{Container: "proxy", Image: "other.example/envoy:1.31"}}},
	}
	n := newImageNamer(revs)
	got := n.images(revs[0].Images)
	want := "payments:1@sha256:01234567 proxy=reg.example/platform/envoy:1.30 init:migrate=payments:1@sha256:01234567"
	if got != want {
		t.Errorf("images = %q\nwant     %q", got, want)
	}
	legend := strings.Join(n.legend(), "|")
	if legend != "images of init:migrate, payments from reg.example/shop/" {
		t.Errorf("legend %q (proxy moved registries: its prefix must stay)", legend)
	}
}

func TestRevisionLabelAndAge(t *testing.T) {
	if got := (&rollout.Revision{Number: 7, FormerNumbers: []int64{2, 4}}).Label(); got != "7 (was 2,4)" {
		t.Errorf("label %q", got)
	}
	now := time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)
	if got := age(now.Add(-50*time.Hour), now); got != "2d2h" {
		t.Errorf("age %q", got)
	}
}

func TestPlanChanges(t *testing.T) {
	old := &rollout.Plan{ResourceVersion: "10", FromRevision: 6, ToRevision: 4, Diff: rollout.Diff{Summary: []rollout.Change{
		{Kind: rollout.ChangeImage, Container: "app", Field: "image", From: "app:6", To: "app:4"}}}}
	new := &rollout.Plan{ResourceVersion: "12", FromRevision: 7, ToRevision: 5, Target: rollout.ObjectID{Kind: "ReplicaSet", Name: "app-1"},
		Diff: rollout.Diff{Summary: []rollout.Change{{Kind: rollout.ChangeImage, Container: "app", Field: "image", From: "app:7", To: "app:4"}}}}
	got := strings.Join(PlanChanges(old, new), "\n")
	for _, want := range []string{
		"resourceVersion 10 to 12", "current revision is now 7 (was 6)", "revision 4 is now revision 5 (same ReplicaSet app-1)",
		"new change: image app: app:7 → app:4", "no longer a change: image app: app:6 → app:4",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("PlanChanges lacks %q:\n%s", want, got)
		}
	}
}

func TestProgressLine(t *testing.T) {
	s := rollout.Status{Phase: rollout.PhaseProgressing, Desired: 4, Updated: 2, Ready: 1, Available: 1,
		Message: "2 out of 4 new replicas have been updated"}
	at := time.Date(2026, 1, 1, 10, 42, 7, 0, time.UTC)
	got := ProgressLine(s, at, Options{})
	if got != "10:42:07  updated 2/4  ready 1/4  available 1/4  … 2 out of 4 new replicas have been updated" {
		t.Errorf("line %q", got)
	}
	narrow := ProgressLine(s, at, Options{Width: 50, Color: true})
	if !strings.Contains(narrow, "\x1b[33m…\x1b[0m") || runewidth.StringWidth(strings.NewReplacer("\x1b[33m", "", "\x1b[0m", "").Replace(narrow)) > 50 {
		t.Errorf("narrow coloured line %q", narrow)
	}
}

func TestStatusLinesNeverColourOnly(t *testing.T) {
	for phase, word := range map[rollout.Phase]string{rollout.PhaseComplete: "✓ complete", rollout.PhaseFailed: "✗ failed",
		rollout.PhaseProgressing: "… progressing", rollout.PhasePaused: "‖ paused"} {
		lines := statusLines(rollout.Status{Phase: phase, Message: "m"}, 0, Styles{})
		if !strings.HasPrefix(lines[0], word) {
			t.Errorf("%s: %q", phase, lines[0])
		}
	}
}

func TestHealthMarkersNeverHideEachOther(t *testing.T) {
	start := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	p := metrics.Panel{Range: metrics.Range{Start: start, End: start.Add(15 * time.Minute), Step: 15 * time.Second}}
	ws := []rollout.LiveWindow{
		{Revision: 1, Start: start.Add(-time.Hour)}, // before the window: no marker
		{Revision: 2, Start: start.Add(10 * time.Minute)},
		{Revision: 3, Start: start.Add(10*time.Minute + 9*time.Second)}, // same step as 2
	}
	row := markerRow(p, ws, 4, 61)
	if strings.Contains(row, "▲1") || !strings.Contains(row, "▲2") || !strings.Contains(row, "▲3") {
		t.Errorf("marker row %q", row)
	}
	if i := strings.Index(row, "▲2"); i != 4+40 {
		t.Errorf("▲2 at byte %d, want under step 40 (column 44)", i)
	}
}
