package app

import (
	"context"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/workload"
)

// changedMsg is a snapshot that a wait produced: the root handles it and
// issues the next wait.
type changedMsg struct{ common.ClusterChangedMsg }

// loadWorkloads takes a snapshot of the cache now.
func loadWorkloads(c workload.Cluster, changes []workload.Change, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		return common.ClusterChangedMsg{Rows: c.Workloads(), Changes: changes, Health: c.Health(), At: now()}
	}
}

// waitForChange blocks until the cache reports changes, waits a moment
// more so a burst (a rollout touches a Deployment, ReplicaSets and pods
// within milliseconds) becomes one snapshot, and returns the snapshot.
// It returns nil when ctx ends, which stops the loop.
func waitForChange(ctx context.Context, c workload.Cluster, coalesce time.Duration, now func() time.Time) tea.Cmd {
	return func() tea.Msg {
		changes, err := c.WaitForChange(ctx)
		if err != nil {
			return nil
		}
		if coalesce > 0 {
			select {
			case <-time.After(coalesce):
			case <-ctx.Done():
				return nil
			}
			// Collect what arrived meanwhile without blocking: a cancelled
			// context makes the wait return at once, with any pending keys.
			drain, cancel := context.WithCancel(ctx)
			cancel()
			if more, err := c.WaitForChange(drain); err == nil {
				changes = append(changes, more...)
			}
		}
		return changedMsg{common.ClusterChangedMsg{Rows: c.Workloads(), Changes: changes, Health: c.Health(), At: now()}}
	}
}

// tick refreshes the clock and reads the connection state.
func tick(d time.Duration, c workload.Cluster, now func() time.Time) tea.Cmd {
	return tea.Tick(d, func(time.Time) tea.Msg {
		return common.TickMsg{Now: now(), Health: c.Health()}
	})
}
