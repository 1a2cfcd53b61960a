package analysis

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// pickRevisions chooses the suspect and the good revision (see Gather).
func pickRevisions(h *rollout.History, req Request, now time.Time) (bad, good *rollout.Revision, err error) {
	if len(h.Revisions) == 0 {
		return nil, nil, &rollout.NoHistoryError{Ref: h.Workload}
	}
	find := func(n int64, which string) (*rollout.Revision, error) {
		r, ok := h.Find(n)
		if !ok {
			return nil, fmt.Errorf("the %s revision: %w", which, &rollout.RevisionNotFoundError{Revision: n})
		}
		return r, nil
	}
	if req.Bad != 0 {
		if bad, err = find(req.Bad, "bad"); err != nil {
			return nil, nil, err
		}
	}
	if req.Good != 0 {
		if good, err = find(req.Good, "good"); err != nil {
			return nil, nil, err
		}
	}
	cur, _ := h.Find(h.Current)
	switch {
	case bad != nil && good != nil:
	case bad != nil:
		if cur != nil && !rollout.EqualIgnoreHash(cur.Template, bad.Template) {
			good = cur
		} else {
			good = newestDiffering(h, bad, bad.Number)
		}
	case good != nil:
		if bad = rolledBackFrom(h, cur, now); bad == nil || bad == good {
			bad = newestDiffering(h, good, 0)
		}
	case cur == nil:
		return nil, nil, fmt.Errorf("no revision of %s matches its current template (a rollout is being created?): name the revisions", h.Workload)
	case rolledBackTo(h, cur, now):
		good = cur
		if bad = rolledBackFrom(h, cur, now); bad == nil {
			bad = newestDiffering(h, good, 0)
		}
	default:
		// No rollback yet: the current revision is the suspect.
		bad = cur
		good = newestDiffering(h, bad, bad.Number)
	}
	switch {
	case bad == nil:
		return nil, nil, fmt.Errorf("no revision of %s differs from revision %d: nothing to compare it with", h.Workload, good.Number)
	case good == nil:
		return nil, nil, fmt.Errorf("no revision of %s before revision %d differs from it: nothing to compare it with", h.Workload, bad.Number)
	case bad == good:
		return nil, nil, fmt.Errorf("the bad and the good revision are both %d", bad.Number)
	}
	return bad, good, nil
}

// newestDiffering is the newest revision other than r whose template
// differs from r's, numbered below before (0: any number).
func newestDiffering(h *rollout.History, r *rollout.Revision, before int64) *rollout.Revision {
	for i := len(h.Revisions) - 1; i >= 0; i-- {
		c := &h.Revisions[i]
		if c == r || (before != 0 && c.Number >= before) || c.Template == nil || r.Template == nil {
			continue
		}
		if !rollout.EqualIgnoreHash(c.Template, r.Template) {
			return c
		}
	}
	return nil
}

// rolledBackTo reports whether the current revision was rolled back to:
// the controller renumbered its ReplicaSet, or its object is older than
// the revision before it (a reused ControllerRevision), or mayday's
// rollback annotations date its live window.
func rolledBackTo(h *rollout.History, cur *rollout.Revision, now time.Time) bool {
	if len(cur.FormerNumbers) > 0 {
		return true
	}
	if w, ok := window(h, cur, now); ok && (w.Rollback || w.Estimated) {
		return true
	}
	return rolledBackFrom(h, cur, now) != nil
}

// rolledBackFrom is the revision mayday's last rollback of the workload
// left (its rolled-back-from annotation), when that rollback is what made
// the current revision current: a later deploy starts a newer window than
// the annotation's time, and the stale annotation is ignored then.
func rolledBackFrom(h *rollout.History, cur *rollout.Revision, now time.Time) *rollout.Revision {
	if h.Object == nil || cur == nil {
		return nil
	}
	ann := h.Object.GetAnnotations()
	from, err := strconv.ParseInt(ann[rollout.RolledBackFromAnnotation], 10, 64)
	if err != nil || from == cur.Number {
		return nil
	}
	at, err := time.Parse(time.RFC3339, ann[rollout.RolledBackAtAnnotation])
	if err != nil {
		return nil
	}
	if w, ok := window(h, cur, now); !ok || at.Before(w.Start) {
		return nil
	}
	r, ok := h.Find(from)
	if !ok {
		return nil
	}
	return r
}

// window is r's live window.
func window(h *rollout.History, r *rollout.Revision, now time.Time) (rollout.LiveWindow, bool) {
	for _, w := range rollout.LiveWindows(h, now) {
		if w.Revision == r.Number {
			return w, true
		}
	}
	return rollout.LiveWindow{}, false
}

// liveStart is when r last went live (zero: unknown).
func liveStart(h *rollout.History, r *rollout.Revision, now time.Time) time.Time {
	w, _ := window(h, r, now)
	return w.Start
}

// describe names a revision for the report: "checkout revision 5,
// checkout:2.1.0" (container=image when there are several).
func describe(ref rollout.Ref, r *rollout.Revision) string {
	var imgs []string
	for _, c := range r.Images {
		if c.Init {
			continue
		}
		imgs = append(imgs, c.Container+"="+c.Image)
	}
	if len(imgs) == 1 {
		imgs[0] = imgs[0][strings.Index(imgs[0], "=")+1:]
	}
	s := ref.Name + " revision " + r.Label()
	if len(imgs) > 0 {
		s += ", " + strings.Join(imgs, ", ")
	}
	return s
}
