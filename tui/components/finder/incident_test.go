package finder

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

func shopRef(name string) rollout.Ref {
	return rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: name}
}

// marked is the shop with checkout in an incident kept here and payments
// in one whose journal is on another machine.
func marked(t *testing.T, w, h int) Model {
	m := newFinder(t, tuitest.Shop(), w, h)
	m, _ = send(m, InProgressMsg{Workloads: map[rollout.Ref]InProgress{
		shopRef("checkout"): {ID: "INC-20260314-0926-checkout", By: "alice", Local: true, Owner: "alice", Actions: 3},
		shopRef("payments"): {ID: "INC-20260314-0811-payments", By: "bob"},
	}})
	return m
}

func TestIncidentMarkerBesideTheName(t *testing.T) {
	m := marked(t, 120, 40)
	lines := strings.Split(plain(m.View()), "\n")
	for _, l := range lines {
		switch {
		case strings.Contains(l, "checkout"), strings.Contains(l, "payments"):
			if !strings.Contains(l, "checkout ⚑") && !strings.Contains(l, "payments ⚑") {
				t.Errorf("no flag beside the name: %q", l)
			}
		case strings.Contains(l, "catalog"), strings.Contains(l, "frontend"):
			if strings.Contains(l, Flag) {
				t.Errorf("flag on a workload without incident: %q", l)
			}
		}
	}
	m, _ = send(m, tuitest.Key("down"))
	v := plain(m.View())
	if !strings.Contains(v, "deployment/checkout: ⚑ INC-20260314-0926-checkout in progress by alice, 3 actions · 2 out of 4") {
		t.Errorf("the selected workload's detail line does not name its incident:\n%s", v)
	}
	m, _ = send(m, tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("down"))
	if v := plain(m.View()); !strings.Contains(v, "deployment/payments: ⚑ INC-20260314-0811-payments by bob (journal not on this machine)") {
		t.Errorf("an incident kept elsewhere:\n%s", v)
	}
	// A new set replaces the old: checkout's incident was closed.
	m, _ = send(m, InProgressMsg{Workloads: map[rollout.Ref]InProgress{shopRef("payments"): {ID: "INC-20260314-0811-payments", By: "bob"}}})
	if v := plain(m.View()); strings.Contains(v, "checkout ⚑") || !strings.Contains(v, "payments ⚑") {
		t.Errorf("after checkout's incident closed:\n%s", v)
	}
}

func TestUnknownOutcomeNotice(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	before := m.listHeight()
	notice := "1 action with outcome unknown in INC-20260314-0926-checkout: undo deployment/checkout (roll back to revision 5)\ncheck the workload (press i for the incident)"
	m, _ = send(m, UnknownOutcomeMsg{Notice: notice})
	lines := strings.Split(plain(m.View()), "\n")
	if !strings.HasPrefix(lines[1], "⚠ 1 action with outcome unknown in INC-20260314-0926-checkout: undo") || ansi.StringWidth(lines[1]) != 80 ||
		!strings.HasPrefix(lines[2], "  check the workload (press i for the incident)") {
		t.Errorf("notice lines: %q %q", lines[1], lines[2])
	}
	if m.listHeight() != before-2 || !strings.Contains(lines[3], "KIND") {
		t.Errorf("the notice takes two rows from the list: %d → %d\n%s", before, m.listHeight(), strings.Join(lines, "\n"))
	}
	// On a small screen, its first line only.
	m.SetSize(80, 10)
	if v := plain(m.View()); !strings.Contains(v, "outcome unknown") || strings.Contains(v, "check the workload") {
		t.Errorf("notice at 80x10:\n%s", v)
	}
	// Too small for it: the list keeps its rows.
	m.SetSize(80, 6)
	if v := plain(m.View()); strings.Contains(v, "outcome unknown") {
		t.Errorf("notice at 80x6:\n%s", v)
	}
	m.SetSize(80, 24)
	m, _ = send(m, UnknownOutcomeMsg{})
	if v := plain(m.View()); strings.Contains(v, "outcome unknown") {
		t.Errorf("notice not cleared:\n%s", v)
	}
}

func TestMarkedRowsAtAnySize(t *testing.T) {
	m := marked(t, 80, 24)
	m.SetUnknownOutcome("1 action with outcome unknown in INC-x: roll back")
	m, _ = send(m, tuitest.Key("down"))
	for w := 1; w <= 130; w += 3 {
		for _, h := range []int{1, 2, 5, 7, 8, 9, 24} {
			m.SetSize(w, h)
			lines := strings.Split(m.View(), "\n")
			if len(lines) != h {
				t.Fatalf("%dx%d: %d lines", w, h, len(lines))
			}
			for _, l := range lines {
				if got := ansi.StringWidth(l); got != w {
					t.Fatalf("%dx%d: line width %d: %q", w, h, got, l)
				}
			}
		}
	}
}

func TestIncidentGoldens(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		m := marked(t, size.w, size.h)
		m.SetUnknownOutcome("1 action with outcome unknown in INC-20260314-0811-payments: undo deployment/payments (roll back to revision 5)\ncheck the workload (press i for the incident)")
		m, _ = send(m, tuitest.Key("down"))
		tuitest.Golden(t, "incident_"+itoa(size.w)+"x"+itoa(size.h), tuitest.ASCII(m.View()))
	}
}
