package history

import (
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

func inProgress(p finder.InProgress) finder.InProgressMsg {
	return finder.InProgressMsg{Workloads: map[rollout.Ref]finder.InProgress{checkout: p}}
}

func TestHeaderNamesTheIncidentInProgress(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(120, 40)
	s := open(t, d, c)
	rowsBefore := strings.Count(view(s), "checkout:2.1")
	s, _ = tuitest.Drive(t, s, inProgress(finder.InProgress{ID: "INC-20261125-1420-checkout", By: "bob", Local: true, Owner: "alice", Actions: 3}))
	lines := strings.Split(view(s), "\n")
	if !strings.HasPrefix(lines[1], "⚑ INC-20261125-1420-checkout in progress by alice, 3 actions") {
		t.Errorf("line under the title: %q", lines[1])
	}
	if !strings.Contains(lines[2], "progressing") {
		t.Errorf("the rollout state follows: %q", lines[2])
	}
	if n := strings.Count(view(s), "checkout:2.1"); n != rowsBefore {
		t.Errorf("revisions shown: %d, before %d", n, rowsBefore)
	}
	s, _ = tuitest.Drive(t, s, inProgress(finder.InProgress{ID: "INC-20261125-1420-checkout", By: "alice"}))
	if v := view(s); !strings.Contains(v, "⚑ INC-20261125-1420-checkout by alice (journal not on this machine)") {
		t.Errorf("incident kept elsewhere:\n%s", v)
	}
	// Another workload's incident, or none: no line.
	other := rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "payments"}
	s, _ = tuitest.Drive(t, s, finder.InProgressMsg{Workloads: map[rollout.Ref]finder.InProgress{other: {ID: "INC-x", Local: true}}})
	if v := view(s); strings.Contains(v, "⚑") {
		t.Errorf("another workload's incident shown:\n%s", v)
	}
}

func TestIncidentGoldens(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := tuitest.Common(size[0], size[1])
		s := open(t, d, c)
		s, _ = tuitest.Drive(t, s, tuitest.Key("down"),
			inProgress(finder.InProgress{ID: "INC-20261125-1420-checkout", By: "alice", Local: true, Owner: "alice", Actions: 3}))
		tuitest.Golden(t, "history_incident_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(s.View()))
		for _, sz := range [][2]int{{20, 5}, {10, 3}, {1, 1}} {
			v := s.SetSize(sz[0], sz[1]).View()
			if strings.Count(v, "\n") != sz[1]-1 {
				t.Errorf("%v: %d lines", sz, strings.Count(v, "\n")+1)
			}
		}
	}
}
