package rollout

import "time"

// LiveWindow is when a revision was the workload's current one: from its
// rollout start until the next revision's rollout started (the current
// revision's window ends now). Health per revision is judged over it, and
// the health screen marks each Start.
type LiveWindow struct {
	Revision int64 `json:"revision"`
	// Hash identifies the revision's pods (a ReplicaSet's
	// pod-template-hash, a ControllerRevision's hash).
	Hash  string    `json:"hash,omitempty"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
	// Rollback is set when the window began with a rollback to this
	// revision (the controller reused its ReplicaSet and renumbered it).
	Rollback bool `json:"rollback,omitempty"`
	// Estimated is set when the start could not be read from the cluster
	// (a rollback made without mayday) and was bounded by the neighbours
	// instead.
	Estimated bool `json:"estimated,omitempty"`
	Current   bool `json:"current,omitempty"`
}

// LiveWindows are the history's revisions as live windows, oldest first.
//
// Kubernetes does not record when a revision became current. A new
// revision starts when its ReplicaSet or ControllerRevision was created. A
// revision rolled back to keeps its old object, renumbered: its start is
// the mayday.dev/rolled-back-at annotation the rollback wrote (the
// deployment controller copies it onto the ReplicaSet), or, after a
// rollback made by another tool, the previous window's start, marked
// Estimated.
func LiveWindows(h *History, now time.Time) []LiveWindow {
	out := make([]LiveWindow, 0, len(h.Revisions))
	for i := range h.Revisions {
		r := &h.Revisions[i]
		w := LiveWindow{Revision: r.Number, Hash: r.Source.Hash, Start: r.Created, Current: r.Current}
		if len(r.FormerNumbers) > 0 {
			w.Rollback = true
			if at, err := time.Parse(time.RFC3339, r.Annotations[RolledBackAtAnnotation]); err == nil && at.After(r.Created) {
				w.Start = at
			}
		}
		if n := len(out); n > 0 && !w.Start.After(out[n-1].Start) {
			// Older than the revision it replaced: a reused object whose
			// rollback time is unknown. It started after its predecessor.
			w.Start = out[n-1].Start
			w.Estimated = true
		}
		out = append(out, w)
	}
	for i := range out {
		if i+1 < len(out) {
			out[i].End = out[i+1].Start
		} else {
			out[i].End = now
		}
		if out[i].End.Before(out[i].Start) {
			out[i].End = out[i].Start
		}
	}
	return out
}
