package decide

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// facts are what Decide derives from the evidence once, before walking
// the policy.
type facts struct {
	ev *Evidence
	// read: the workload itself was read (CurrentRevision known), so its
	// labels and annotations (GitOps, migration marker) count as known.
	read bool
	// earlier are the revisions before the current one, newest first.
	earlier  []int64
	previous int64
	lkg      int64
	// rollbackTarget is the last known good revision, else the previous
	// one (kubectl's default); 0 when there is no earlier revision.
	rollbackTarget int64
	lkgHealth      *metrics.RevisionHealth
	prevHealth     *metrics.RevisionHealth
	curHealth      *metrics.RevisionHealth
	targetHealth   *metrics.RevisionHealth
}

func newFacts(ev *Evidence) facts {
	f := facts{ev: ev, read: ev.CurrentRevision > 0}
	if f.read {
		for _, r := range ev.Revisions {
			if r < ev.CurrentRevision && !slices.Contains(f.earlier, r) {
				f.earlier = append(f.earlier, r)
			}
		}
		slices.Sort(f.earlier)
		slices.Reverse(f.earlier)
		if len(f.earlier) > 0 {
			f.previous = f.earlier[0]
		}
	}
	f.lkg = ev.LastKnownGood
	if f.lkg == 0 && f.read {
		f.lkg, _ = metrics.LastKnownGood(ev.CurrentRevision, ev.RevisionHealth)
	}
	if f.read && f.lkg >= ev.CurrentRevision {
		f.lkg = 0 // not earlier: not a rollback target
	}
	f.rollbackTarget = f.previous
	if f.lkg > 0 {
		f.rollbackTarget = f.lkg
	}
	f.lkgHealth = revisionHealth(ev.RevisionHealth, f.lkg)
	f.prevHealth = revisionHealth(ev.RevisionHealth, f.previous)
	f.curHealth = revisionHealth(ev.RevisionHealth, ev.CurrentRevision)
	f.targetHealth = revisionHealth(ev.RevisionHealth, f.rollbackTarget)
	return f
}

func revisionHealth(hs []metrics.RevisionHealth, rev int64) *metrics.RevisionHealth {
	if rev == 0 {
		return nil
	}
	for i := range hs {
		if hs[i].Revision == rev {
			return &hs[i]
		}
	}
	return nil
}

// verdictText is a verdict in words with its glyph: "✗ critical: error
// ratio 12% > 5% (critical)".
func verdictText(v metrics.Verdict) string {
	reason := strings.TrimPrefix(v.Reason, v.State.String()+": ")
	if v.State == metrics.Unknown && reason == "" {
		reason = "not checked"
	}
	s := v.State.Glyph() + " " + v.State.String()
	if reason != "" {
		s += ": " + reason
	}
	return s
}

// healthSource is the source of a pre-answer taken from the verdict.
func healthSource(v metrics.Verdict) string {
	s := "health: " + verdictText(v)
	if v.Source != "" {
		s += " (" + v.Source + ")"
	}
	return s
}

func firingAlerts(v metrics.Verdict) []string {
	var out []string
	for _, a := range v.Alerts {
		if a.State != "" && a.State != "firing" {
			continue
		}
		name := a.Name
		if name == "" {
			name = a.Labels["alertname"]
		}
		if sev := a.Labels["severity"]; sev != "" {
			name += " (" + sev + ")"
		}
		out = append(out, name)
	}
	return out
}

func revisionVerdictText(h *metrics.RevisionHealth) string {
	return fmt.Sprintf("revision %d %s while live", h.Revision, verdictText(h.Verdict))
}

func formatRevisions(revs []int64) string {
	const show = 5
	parts := make([]string, 0, min(len(revs), show))
	for i, r := range revs {
		if i == show {
			break
		}
		parts = append(parts, strconv.FormatInt(r, 10))
	}
	s := strings.Join(parts, ", ")
	if len(revs) > show {
		s += fmt.Sprintf(" and %d more", len(revs)-show)
	}
	return s
}

func percent(share float64) string { return metrics.FormatValue(metrics.ErrorRatio, share) }

func plural(n int64, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.FormatInt(n, 10) + " " + many
}
