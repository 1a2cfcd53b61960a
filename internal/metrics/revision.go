package metrics

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// RevisionWindow is when a revision was live: from its rollout's start to
// the next one's (or now, for the current revision).
type RevisionWindow struct {
	Revision int64
	// Hash is the revision's pod-template-hash ("" when not a Deployment).
	Hash       string
	Start, End time.Time
	// Preset skips detection when the caller already knows it ("" =
	// detect).
	Preset string
}

// RevisionHealth is how a revision did while it was live.
type RevisionHealth struct {
	RevisionWindow
	Verdict Verdict
}

// MaxRevisionRate caps the rate() range of a revision's evaluation: a
// revision live for months is judged on its last week.
const MaxRevisionRate = 7 * 24 * time.Hour

// RevisionSignals are the signals a revision is judged on.
func RevisionSignals() []Signal { return []Signal{ErrorRatio, LatencyP99} }

// RevisionHealth judges a revision by its error ratio and p99 over its
// live window: one instant evaluation at End with rate() over End-Start.
// For a Deployment it reads that revision's own series (its pods only);
// for other kinds, whose pod names carry no revision, the workload's.
func (h *Health) RevisionHealth(ctx context.Context, t Target, w RevisionWindow) RevisionHealth {
	out := RevisionHealth{RevisionWindow: w}
	source := "none"
	if h.Source != nil {
		source = h.Source.Name()
	}
	if w.End.IsZero() || w.End.Before(w.Start) {
		out.Verdict = Verdict{State: Unknown, Reason: fmt.Sprintf("revision %d has no live window to judge", w.Revision), At: w.End, Source: source}
		return out
	}
	preset := w.Preset
	if preset == "" {
		var err error
		if preset, err = h.Detect(ctx, t); err != nil {
			out.Verdict = Verdict{State: Unknown, Reason: err.Error(), At: w.End, Source: source}
			return out
		}
	}
	rate := min(max(ceilSecond(w.End.Sub(w.Start)), h.RateRange(time.Second)), MaxRevisionRate)
	perRevision := w.Hash != "" && isDeployment(t.Kind)
	qs, errs := h.Queries(t, preset, rate, perRevision)
	r := Range{Start: w.End, End: w.End, Step: time.Second}
	signals := RevisionSignals()
	panels := make([]Panel, len(signals))
	var wg sync.WaitGroup
	for i, s := range signals {
		q, ok := qs[s]
		if !ok {
			panels[i] = Panel{Signal: s, Query: Query{Signal: s, Target: t}, Range: r, Err: errs[s], Fetched: time.Now()}
			if panels[i].Err == nil {
				panels[i].Err = errNoQuery(s, preset)
			}
			continue
		}
		wg.Go(func() {
			p := h.Panel(ctx, q, r)
			if q.PerRevision {
				p.Series = revisionOnly(p.Series, w.Hash)
			}
			panels[i] = p
		})
	}
	wg.Wait()
	th := h.settings(t).EffectiveThresholds()
	for s, x := range th {
		x.For = 0
		th[s] = x
	}
	out.Verdict = Evaluate(panels, nil, th, w.End, source)
	return out
}

// revisionOnly keeps the series of one revision, as the aggregate. When no
// series carries a revision at all (pod names did not match), the
// workload's aggregate is all there is, and it stays.
func revisionOnly(series []Series, hash string) []Series {
	labelled := false
	for _, s := range series {
		if s.Revision == hash {
			return []Series{{Points: s.Points}}
		}
		labelled = labelled || s.Revision != ""
	}
	if labelled {
		return nil
	}
	return series
}

// LastKnownGood is the newest revision before current whose live window
// was healthy (unknown does not count).
func LastKnownGood(current int64, hs []RevisionHealth) (int64, bool) {
	best, found := int64(0), false
	for _, h := range hs {
		if h.Revision < current && h.Verdict.State == Healthy && (!found || h.Revision > best) {
			best, found = h.Revision, true
		}
	}
	return best, found
}
