package rollout

import (
	"testing"
	"time"
)

func TestLiveWindows(t *testing.T) {
	base := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	now := base.Add(10 * time.Hour)
	at := func(h int) time.Time { return base.Add(time.Duration(h) * time.Hour) }
	rollbackAt := at(8)
	h := &History{Revisions: []Revision{
		{Number: 2, Created: at(1), Source: ObjectID{Hash: "aaa"}},
		{Number: 3, Created: at(3), Source: ObjectID{Hash: "bbb"}},
		// Revision 1 rolled back to by mayday: renumbered to 4, reused
		// ReplicaSet created long ago, dated by the annotation.
		{Number: 4, FormerNumbers: []int64{1}, Created: at(0), Source: ObjectID{Hash: "ccc"},
			Annotations: map[string]string{RolledBackAtAnnotation: rollbackAt.Format(time.RFC3339)}},
		// Revision 3's template again via another tool: no annotation.
		{Number: 5, FormerNumbers: []int64{3}, Created: at(3), Source: ObjectID{Hash: "ddd"}, Current: true},
	}}
	got := LiveWindows(h, now)
	want := []LiveWindow{
		{Revision: 2, Hash: "aaa", Start: at(1), End: at(3)},
		{Revision: 3, Hash: "bbb", Start: at(3), End: rollbackAt},
		{Revision: 4, Hash: "ccc", Start: rollbackAt, End: rollbackAt, Rollback: true},
		{Revision: 5, Hash: "ddd", Start: rollbackAt, End: now, Rollback: true, Estimated: true, Current: true},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d windows, want %d: %+v", len(got), len(want), got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("window %d = %+v\nwant %+v", i, got[i], want[i])
		}
	}
}

func TestLiveWindowsIgnoresAnAnnotationOlderThanTheObject(t *testing.T) {
	base := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	// A new ReplicaSet made after a rollback inherits the deployment's
	// rolled-back-at annotation; its own creation is its start.
	h := &History{Revisions: []Revision{
		{Number: 5, Created: base, Annotations: map[string]string{RolledBackAtAnnotation: base.Add(-time.Hour).Format(time.RFC3339)}},
		{Number: 6, FormerNumbers: nil, Created: base.Add(time.Hour), Current: true,
			Annotations: map[string]string{RolledBackAtAnnotation: base.Add(-time.Hour).Format(time.RFC3339)}},
	}}
	got := LiveWindows(h, base.Add(2*time.Hour))
	if got[1].Start != base.Add(time.Hour) || got[0].End != base.Add(time.Hour) || got[1].Estimated {
		t.Errorf("windows = %+v", got)
	}
}
