package history

import (
	"errors"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Each revision's health while it was live: its error ratio and p99 over
// its live window. Revisions are judged newest first, a few at a time,
// those on screen and, until the last known good one is found, those
// below (up to lkgSearch). A past window does not change, so its answer
// is kept; the current revision's window grows and is judged again on
// the refresh interval.
const (
	maxRevisionChecks = 3
	lkgSearch         = 30
)

// PresetMsg carries the detected metric preset.
type PresetMsg struct {
	Ref    rollout.Ref
	seq    int
	Preset string
	Err    error
}

// RevisionHealthMsg carries one revision's health while it was live.
type RevisionHealthMsg struct {
	Ref    rollout.Ref
	UID    types.UID
	Health metrics.RevisionHealth
}

// revisionHealth is the screen's health state, changed in place (only the
// newest screen value is used).
type revisionHealth struct {
	detectSeq int
	detecting bool
	detected  bool
	preset    string
	detectErr error
	askedAt   time.Time // when detection was last asked
	results   map[types.UID]revisionResult
	inflight  map[types.UID]bool
}

type revisionResult struct {
	health metrics.RevisionHealth
	asked  time.Time
}

func newRevisionHealth() *revisionHealth {
	return &revisionHealth{results: map[types.UID]revisionResult{}, inflight: map[types.UID]bool{}}
}

// windowOf is revision r's live window.
func (s Screen) windowOf(r *rollout.Revision) (rollout.LiveWindow, bool) {
	for _, w := range s.windows {
		if w.Revision == r.Number {
			return w, true
		}
	}
	return rollout.LiveWindow{}, false
}

// RevisionHealth is a revision's health while it was live, when judged
// over its present window.
func (s Screen) RevisionHealth(r *rollout.Revision) (metrics.RevisionHealth, bool) {
	if s.health == nil {
		return metrics.RevisionHealth{}, false
	}
	res, ok := s.health.results[r.Source.UID]
	w, okW := s.windowOf(r)
	if !ok || !okW || !res.health.Start.Equal(w.Start) || (!r.Current && !res.health.End.Equal(w.End)) {
		return metrics.RevisionHealth{}, false
	}
	return res.health, true
}

// LastKnownGood is the newest revision before the current one whose live
// window was healthy. It is only claimed once every revision between it
// and the current one has been judged (otherwise a newer healthy one
// might be waiting for its answer).
func (s Screen) LastKnownGood() (*rollout.Revision, metrics.RevisionHealth, bool) {
	if s.hist == nil || s.health == nil {
		return nil, metrics.RevisionHealth{}, false
	}
	var hs []metrics.RevisionHealth
	for i := len(s.hist.Revisions) - 1; i >= 0; i-- {
		r := &s.hist.Revisions[i]
		h, ok := s.RevisionHealth(r)
		if !ok {
			break
		}
		hs = append(hs, h)
	}
	n, ok := metrics.LastKnownGood(s.hist.Current, hs)
	if !ok {
		return nil, metrics.RevisionHealth{}, false
	}
	r, _ := s.hist.Find(n)
	for _, h := range hs {
		if h.Revision == n {
			return r, h, r != nil
		}
	}
	return nil, metrics.RevisionHealth{}, false
}

// checkHealth asks for what is missing: the preset, then the health of
// revisions on screen (and below, until the last known good is found).
func (s *Screen) checkHealth() tea.Cmd {
	h := s.deps.Health
	if h == nil || s.hist == nil || s.health == nil {
		return nil
	}
	st, now, refresh := s.health, s.c.Now(), s.deps.Refresh()
	if !st.detected {
		if st.detecting || (!st.askedAt.IsZero() && now.Sub(st.askedAt) < refresh) {
			return nil
		}
		return s.detect()
	}
	tableH, _ := s.layout()
	_, _, lkg := s.LastKnownGood()
	t := workload.HealthTarget(s.ref, s.hist)
	var cmds []tea.Cmd
	n := len(s.hist.Revisions)
	for i := 0; i < n && len(st.inflight) < maxRevisionChecks; i++ {
		if i >= s.offset+tableH && (lkg || i >= lkgSearch) {
			break
		}
		r := &s.hist.Revisions[n-1-i]
		w, ok := s.windowOf(r)
		if !ok || st.inflight[r.Source.UID] {
			continue
		}
		if _, fresh := s.RevisionHealth(r); fresh && (!r.Current || now.Sub(st.results[r.Source.UID].asked) < refresh) {
			continue
		}
		end := w.End
		if r.Current {
			end = now
		}
		st.inflight[r.Source.UID] = true
		cmds = append(cmds, revisionCheck(s.deps, s.ref, t, r.Source.UID, metrics.RevisionWindow{
			Revision: r.Number, Hash: w.Hash, Start: w.Start, End: end, Preset: st.preset,
		}))
	}
	return tea.Batch(cmds...)
}

func (s *Screen) detect() tea.Cmd {
	st := s.health
	st.detectSeq++
	st.detecting, st.askedAt = true, s.c.Now()
	h, ctx, ref, seq := s.deps.Health, s.deps.Ctx, s.ref, st.detectSeq
	t := workload.HealthTarget(s.ref, s.hist)
	return func() tea.Msg {
		preset, err := h.Detect(ctx, t)
		return PresetMsg{Ref: ref, seq: seq, Preset: preset, Err: err}
	}
}

func revisionCheck(deps common.Deps, ref rollout.Ref, t metrics.Target, uid types.UID, w metrics.RevisionWindow) tea.Cmd {
	h, ctx := deps.Health, deps.Ctx
	return func() tea.Msg {
		return RevisionHealthMsg{Ref: ref, UID: uid, Health: h.RevisionHealth(ctx, t, w)}
	}
}

func (s *Screen) presetDetected(msg PresetMsg) {
	st := s.health
	if msg.seq != st.detectSeq {
		return
	}
	st.detecting = false
	// No request metrics is an answer: each revision then says so.
	if msg.Err != nil && !errors.Is(msg.Err, metrics.ErrNoMetrics) {
		st.detectErr = msg.Err
		return
	}
	st.detected, st.preset, st.detectErr = true, msg.Preset, msg.Err
}

func (s *Screen) revisionJudged(msg RevisionHealthMsg) {
	st := s.health
	delete(st.inflight, msg.UID)
	st.results[msg.UID] = revisionResult{health: msg.Health, asked: s.c.Now()}
}

// healthText is a revision's health in the table: glyph, error ratio and
// p99 ("✓ 0.2% 180ms"), "…" while unknown to the screen, or why unknown.
func (s Screen) healthText(r *rollout.Revision) string {
	h, ok := s.RevisionHealth(r)
	if !ok {
		if s.health.detectErr != nil && !s.health.detected {
			return "? " + s.health.detectErr.Error()
		}
		return "…"
	}
	v := h.Verdict
	parts := []string{v.State.Glyph()}
	for _, sig := range metrics.RevisionSignals() {
		for _, res := range v.Signals {
			if res.Signal == sig && res.HasValue {
				parts = append(parts, metrics.FormatValue(sig, res.Value))
			}
		}
	}
	if len(parts) == 1 {
		parts = append(parts, v.State.String())
	}
	return strings.Join(parts, " ")
}

// liveSummary is a revision's health while live in words, for the details
// and the rollback's reason: "error ratio 0.2%, p99 180ms while live".
func liveSummary(h metrics.RevisionHealth) string {
	var parts []string
	for _, sig := range metrics.RevisionSignals() {
		for _, res := range h.Verdict.Signals {
			if res.Signal == sig && res.HasValue {
				parts = append(parts, sig.Label()+" "+metrics.FormatValue(sig, res.Value))
			}
		}
	}
	if len(parts) == 0 {
		return h.Verdict.State.String() + " while live: " + h.Verdict.Reason
	}
	return strings.Join(parts, ", ") + " while live"
}
