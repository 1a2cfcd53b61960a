package finder

import (
	"strconv"
	"strings"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// Flag marks a workload whose incident is in progress: beside its name in
// the finder, before the incident line of its history.
const Flag = "⚑"

// InProgress is the incident a workload's last mayday action was part of
// (its mayday.dev/incident annotation), as this machine's journals know
// it. Strings are escaped for display.
type InProgress struct {
	ID string
	// By is who acted on the workload (the mayday.dev/actor annotation).
	By string
	// Local says the journal is on this machine: Owner and Actions come
	// from it. Otherwise another engineer's mayday keeps it.
	Local   bool
	Owner   string
	Actions int
}

// Text says it in one line: "INC-… in progress by alice, 3 actions", or
// "INC-… by alice (journal not on this machine)".
func (p InProgress) Text() string {
	if !p.Local {
		t := p.ID
		if p.By != "" {
			t += " by " + p.By
		}
		return t + " (journal not on this machine)"
	}
	t := p.ID + " in progress"
	who := p.Owner
	if who == "" {
		who = p.By
	}
	if who != "" {
		t += " by " + who
	}
	return t + ", " + Count(p.Actions, "action")
}

// Count is "1 action", "3 actions".
func Count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}

// InProgressMsg carries the workloads whose incident is open or whose
// journal is elsewhere; workloads of incidents closed here are left out.
// It replaces the previous set.
type InProgressMsg struct{ Workloads map[rollout.Ref]InProgress }

// UnknownOutcomeMsg sets the notice about actions whose outcome is
// unknown (escaped; "" clears it): one or two lines, the second what to
// do.
type UnknownOutcomeMsg struct{ Notice string }

// SetInProgress replaces the workloads marked as in an incident.
func (m *Model) SetInProgress(w map[rollout.Ref]InProgress) { m.inProgress = w }

// InProgress is the incident the workload is marked with.
func (m Model) InProgress(ref rollout.Ref) (InProgress, bool) {
	p, ok := m.inProgress[ref]
	return p, ok
}

// SetUnknownOutcome sets the notice shown above the list about actions
// whose outcome is unknown (escaped; "" clears it).
func (m *Model) SetUnknownOutcome(notice string) {
	m.unknownOutcome = notice
	m.scroll()
}

// bannerLines are the notice's lines that fit: two on a roomy screen,
// the first alone on a small one, none when the list would be left with
// too few rows.
func (m Model) bannerLines() []string {
	if m.unknownOutcome == "" || m.height < 8 {
		return nil
	}
	lines := strings.Split(m.unknownOutcome, "\n")
	if len(lines) > 2 {
		lines = lines[:2]
	}
	if m.height < 12 {
		lines = lines[:1]
	}
	return lines
}
