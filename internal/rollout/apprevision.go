package rollout

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The labels that group workloads into an application, in the order they
// are tried (the Kubernetes recommended labels).
const (
	PartOfLabel   = "app.kubernetes.io/part-of"
	InstanceLabel = "app.kubernetes.io/instance"
)

// NoRevisionAtError says a workload's history does not reach back to the
// time asked for.
type NoRevisionAtError struct {
	Workload Ref
	At       time.Time
	// Oldest is when the oldest revision still in the history started
	// (zero: the workload has no history).
	Oldest time.Time
}

func (e *NoRevisionAtError) Error() string {
	if e.Oldest.IsZero() {
		return fmt.Sprintf("%s has no revision live at %s: it has no rollout history", e.Workload, Clock(e.At, e.At))
	}
	oldest := e.Oldest.In(e.At.Location())
	return fmt.Sprintf("%s has no revision live at %s; its oldest revision started at %s",
		e.Workload, Clock(e.At, oldest), Clock(oldest, e.At))
}

// Clock writes t briefly for a person reading it next to ref: the time of
// day when both fall on the same day, else the date too.
func Clock(t, ref time.Time) string {
	layout := "15:04"
	if t.Second() != 0 {
		layout = "15:04:05"
	}
	if y, m, d := t.Date(); y != ref.Year() || m != ref.Month() || d != ref.Day() {
		layout = "2006-01-02 " + layout
	}
	return t.Format(layout)
}

// LiveAt is the revision of h that was live at t, with its window. The
// windows are LiveWindows(h, now): a revision is live from its window's
// start (inclusive) to its end (exclusive); at or after now the current
// revision is.
func LiveAt(h *History, windows []LiveWindow, at time.Time) (*Revision, LiveWindow, error) {
	if len(windows) == 0 {
		return nil, LiveWindow{}, &NoRevisionAtError{Workload: h.Workload, At: at}
	}
	if at.Before(windows[0].Start) {
		return nil, LiveWindow{}, &NoRevisionAtError{Workload: h.Workload, At: at, Oldest: windows[0].Start}
	}
	chosen := -1
	for i, w := range windows {
		if !at.Before(w.Start) && (at.Before(w.End) || w.Current) {
			chosen = i
		}
	}
	if chosen < 0 {
		// After the last window ended without a current revision (a
		// history whose current template is none of its revisions).
		chosen = len(windows) - 1
	}
	w := windows[chosen]
	rev, ok := h.Find(w.Revision)
	if !ok {
		return nil, LiveWindow{}, fmt.Errorf("%s: revision %d of its live windows is not in its history", h.Workload, w.Revision)
	}
	return rev, w, nil
}

// LatestStart is the newest revision start among the workloads: the
// suspect deploy, when nobody names a time. ok is false when no workload
// has any revision.
func LatestStart(hs []*History, now time.Time) (ref Ref, w LiveWindow, ok bool) {
	for _, h := range hs {
		for _, lw := range LiveWindows(h, now) {
			if !ok || lw.Start.After(w.Start) {
				ref, w, ok = h.Workload, lw, true
			}
		}
	}
	return ref, w, ok
}

// AppStep is what an application rollback does to one workload.
type AppStep struct {
	Workload Ref `json:"workload"`
	// LiveRevision was live at the chosen time; Current is live now.
	LiveRevision int64 `json:"liveRevision"`
	Current      int64 `json:"currentRevision"`
	// Unchanged is set when the workload already runs LiveRevision's
	// template: nothing is sent for it.
	Unchanged bool `json:"unchanged,omitempty"`
	// Estimated is set when LiveRevision's window start is an estimate (a
	// rollback made without mayday): the time may fall in the other
	// revision's window.
	Estimated bool `json:"estimated,omitempty"`
	// Plan is the undo to LiveRevision (nil when unchanged).
	Plan *Plan `json:"plan,omitempty"`
}

// AppUndoOptions choose the time an application goes back to.
type AppUndoOptions struct {
	At          time.Time
	Attribution Attribution
	Now         time.Time
}

// PlanAppUndo plans, for each workload, an undo to the revision live at
// opts.At. Workloads already on it are unchanged. Every workload whose
// history does not reach back to At, or that cannot be rolled back, is an
// error; then no step is returned, so nothing is applied.
func PlanAppUndo(hs []*History, opts AppUndoOptions) ([]AppStep, error) {
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	if opts.At.After(now) {
		return nil, fmt.Errorf("%s is in the future (now is %s)", Clock(opts.At, now), Clock(now, now))
	}
	steps := make([]AppStep, 0, len(hs))
	var errs []error
	for _, h := range hs {
		rev, w, err := LiveAt(h, LiveWindows(h, now), opts.At)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		st := AppStep{Workload: h.Workload, LiveRevision: rev.Number, Current: h.Current, Estimated: w.Estimated}
		if rev.Current {
			st.Unchanged = true
			steps = append(steps, st)
			continue
		}
		p, err := PlanUndoFrom(h, UndoOptions{ToRevision: rev.Number, Attribution: opts.Attribution, Now: now})
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", h.Workload, err))
			continue
		}
		if p.Skip {
			st.Unchanged = true
		} else {
			st.Plan = p
		}
		steps = append(steps, st)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return steps, nil
}

// SelectComponents keeps the workloads named in only, by name or
// KIND/NAME, in the order of refs. An unknown name is an error listing the
// application's components; nothing is kept then.
func SelectComponents(refs []Ref, only []string) ([]Ref, error) {
	if len(only) == 0 {
		return refs, nil
	}
	want := map[Ref]bool{}
	var unknown []string
	for _, name := range only {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		found := false
		for _, r := range refs {
			if componentMatches(r, name) {
				want[r], found = true, true
			}
		}
		if !found {
			unknown = append(unknown, name)
		}
	}
	if len(unknown) > 0 {
		return nil, fmt.Errorf("unknown component %s: the application's components are %s; nothing was changed",
			quoteList(unknown), strings.Join(ComponentNames(refs), ", "))
	}
	if len(want) == 0 {
		return nil, fmt.Errorf("no component named: the application's components are %s", strings.Join(ComponentNames(refs), ", "))
	}
	out := make([]Ref, 0, len(want))
	for _, r := range refs {
		if want[r] {
			out = append(out, r)
		}
	}
	return out, nil
}

// ComponentNames are the workloads as --only accepts them: the bare name,
// or KIND/NAME when two kinds share the name.
func ComponentNames(refs []Ref) []string {
	count := map[string]int{}
	for _, r := range refs {
		count[r.Name]++
	}
	out := make([]string, 0, len(refs))
	for _, r := range refs {
		if count[r.Name] > 1 {
			out = append(out, r.String())
		} else {
			out = append(out, r.Name)
		}
	}
	return out
}

func componentMatches(r Ref, name string) bool {
	if kind, n, ok := strings.Cut(name, "/"); ok {
		k, err := ParseKind(kind)
		return err == nil && k == r.Kind && n == r.Name
	}
	return name == r.Name
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	return strings.Join(q, ", ")
}

// ParseTimeSpec reads a point in time as a person writes it during an
// incident: HH:MM or HH:MM:SS (today in now's time zone, or yesterday when
// that is still to come), RFC 3339, or a duration ago ("30m", "2h15m").
func ParseTimeSpec(s string, now time.Time) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, errors.New("empty time: write HH:MM, an RFC 3339 time or a duration ago such as 30m")
	}
	for _, layout := range []string{"15:04", "15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, now.Location()); err == nil {
			y, m, d := now.Date()
			at := time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), 0, now.Location())
			if at.After(now) {
				at = at.AddDate(0, 0, -1)
			}
			return at, nil
		}
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		if t.After(now) {
			return time.Time{}, fmt.Errorf("%s is in the future", s)
		}
		return t.In(now.Location()), nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return time.Time{}, fmt.Errorf("invalid time %q: a duration ago must be positive", s)
		}
		return now.Add(-d), nil
	}
	return time.Time{}, fmt.Errorf("invalid time %q: write HH:MM (today, or yesterday if later than now), an RFC 3339 time such as 2026-11-25T13:55:00Z, or a duration ago such as 30m", s)
}
