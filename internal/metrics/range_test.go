package metrics

import (
	"testing"
	"time"
)

// The verdict reads a panel's last sample: whatever the window, the last
// point of the planned range is at its end, never a step before.
func TestPlanRangeEndsOnAFreshSample(t *testing.T) {
	end := time.Date(2026, 11, 25, 22, 9, 17, 0, time.UTC)
	for _, tc := range []struct {
		window time.Duration
		cells  int
	}{
		{15 * time.Minute, 120}, {time.Hour, 60}, {6 * time.Hour, 60}, {24 * time.Hour, 400}, {30 * 24 * time.Hour, 200000},
	} {
		r, err := PlanRange(end, tc.window, tc.cells)
		if err != nil {
			t.Fatal(err)
		}
		points := int(r.End.Sub(r.Start)/r.Step) + 1
		last := r.Start.Add(time.Duration(points-1) * r.Step)
		if !last.Equal(end) {
			t.Errorf("window %s: last point %s, want %s", tc.window, last, end)
		}
		if points > tc.cells || points > MaxPoints {
			t.Errorf("window %s: %d points for %d cells", tc.window, points, tc.cells)
		}
		if r.End.Sub(r.Start) < tc.window-r.Step {
			t.Errorf("window %s: range covers only %s", tc.window, r.End.Sub(r.Start))
		}
	}
}
