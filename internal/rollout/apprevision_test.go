package rollout_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// webHistory is deployment web with revisions 1, 2, 3 created at t0+1h,
// t0+2h, t0+3h; revision 3 is current.
func webHistory(t *testing.T) *rollout.History {
	t.Helper()
	d := deployment(template("web:3"))
	h, err := rollout.GetHistory(context.Background(), reader(d,
		replicaSet(d, 1, template("web:1"), 0, nil),
		replicaSet(d, 2, template("web:2"), 0, nil),
		replicaSet(d, 3, template("web:3"), 3, nil)),
		rollout.Ref{Kind: rollout.Deployment, Namespace: "prod", Name: "web"})
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestLiveAt(t *testing.T) {
	h := webHistory(t)
	now := t0.Add(10 * time.Hour)
	ws := rollout.LiveWindows(h, now)
	for _, c := range []struct {
		at   time.Time
		want int64
	}{
		{t0.Add(time.Hour), 1},                    // the start belongs to the window
		{t0.Add(2*time.Hour - time.Second), 1},    // just before revision 2
		{t0.Add(2 * time.Hour), 2},                // revision 2's start
		{t0.Add(3*time.Hour + time.Minute), 3},    // current
		{now.Add(time.Hour), 3},                   // after now: still current
		{t0.Add(2*time.Hour + 30*time.Minute), 2}, // inside
	} {
		rev, _, err := rollout.LiveAt(h, ws, c.at)
		if err != nil || rev.Number != c.want {
			t.Errorf("LiveAt(%s) = %v, %v; want revision %d", c.at.Sub(t0), rev, err, c.want)
		}
	}
	_, _, err := rollout.LiveAt(h, ws, t0.Add(30*time.Minute))
	var nr *rollout.NoRevisionAtError
	if !errors.As(err, &nr) || !strings.Contains(err.Error(), "deployment/web has no revision live at 10:30; its oldest revision started at 11:00") {
		t.Errorf("before the history: %v", err)
	}
}

func TestPlanAppUndo(t *testing.T) {
	h := webHistory(t)
	now := t0.Add(10 * time.Hour)
	steps, err := rollout.PlanAppUndo([]*rollout.History{h}, rollout.AppUndoOptions{At: t0.Add(90 * time.Minute), Now: now,
		Attribution: rollout.Attribution{Actor: "ann", Reason: "INC-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || steps[0].Plan == nil || steps[0].LiveRevision != 1 || steps[0].Current != 3 || steps[0].Unchanged {
		t.Fatalf("steps = %+v", steps)
	}
	if img := steps[0].Plan.Template.Spec.Containers[0].Image; img != "web:1" {
		t.Errorf("target image %s", img)
	}
	// Already on the revision live then: unchanged, nothing planned.
	steps, err = rollout.PlanAppUndo([]*rollout.History{h}, rollout.AppUndoOptions{At: t0.Add(4 * time.Hour), Now: now})
	if err != nil || !steps[0].Unchanged || steps[0].Plan != nil {
		t.Errorf("current revision: %+v, %v", steps, err)
	}
	// Before any history: an error naming the workload, no steps.
	steps, err = rollout.PlanAppUndo([]*rollout.History{h}, rollout.AppUndoOptions{At: t0, Now: now})
	if err == nil || steps != nil || !strings.Contains(err.Error(), "deployment/web has no revision live at") {
		t.Errorf("before history: %+v, %v", steps, err)
	}
	// In the future: refused.
	if _, err := rollout.PlanAppUndo([]*rollout.History{h}, rollout.AppUndoOptions{At: now.Add(time.Minute), Now: now}); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("future: %v", err)
	}
}

func TestLatestStart(t *testing.T) {
	h := webHistory(t)
	ref, w, ok := rollout.LatestStart([]*rollout.History{h}, t0.Add(10*time.Hour))
	if !ok || ref.Name != "web" || w.Revision != 3 || !w.Start.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("LatestStart = %v %+v %v", ref, w, ok)
	}
}

func TestSelectComponents(t *testing.T) {
	refs := []rollout.Ref{
		{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"},
		{Kind: rollout.Deployment, Namespace: "shop", Name: "ledger"},
		{Kind: rollout.StatefulSet, Namespace: "shop", Name: "ledger"},
		{Kind: rollout.DaemonSet, Namespace: "shop", Name: "log-agent"},
	}
	got, err := rollout.SelectComponents(refs, []string{"log-agent", "sts/ledger"})
	if err != nil || len(got) != 2 || got[0] != refs[2] || got[1] != refs[3] {
		t.Errorf("select = %v, %v", got, err)
	}
	got, err = rollout.SelectComponents(refs, []string{"ledger"})
	if err != nil || len(got) != 2 {
		t.Errorf("a bare name selects every kind: %v, %v", got, err)
	}
	_, err = rollout.SelectComponents(refs, []string{"checkout", "paymnts"})
	if err == nil || !strings.Contains(err.Error(), `unknown component "paymnts": the application's components are checkout, deployment/ledger, statefulset/ledger, log-agent`) {
		t.Errorf("unknown: %v", err)
	}
	if got, _ := rollout.SelectComponents(refs, nil); len(got) != 4 {
		t.Errorf("no --only keeps all: %v", got)
	}
}

func TestParseTimeSpec(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	now := time.Date(2026, 11, 25, 14, 30, 0, 0, loc)
	for _, c := range []struct {
		in   string
		want time.Time
	}{
		{"13:55", time.Date(2026, 11, 25, 13, 55, 0, 0, loc)},
		{"15:10", time.Date(2026, 11, 24, 15, 10, 0, 0, loc)}, // later than now: yesterday
		{"13:55:30", time.Date(2026, 11, 25, 13, 55, 30, 0, loc)},
		{"30m", now.Add(-30 * time.Minute)},
		{"2026-11-25T12:00:00Z", time.Date(2026, 11, 25, 13, 0, 0, 0, loc)},
	} {
		got, err := rollout.ParseTimeSpec(c.in, now)
		if err != nil || !got.Equal(c.want) {
			t.Errorf("ParseTimeSpec(%q) = %s, %v; want %s", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "25:00", "yesterday", "-5m", "2027-01-01T00:00:00Z"} {
		if _, err := rollout.ParseTimeSpec(bad, now); err == nil {
			t.Errorf("ParseTimeSpec(%q) accepted", bad)
		}
	}
}
