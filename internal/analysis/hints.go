package analysis

import (
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// Thresholds of the metric hints.
const (
	// riseFactor: a signal during the incident at least this many times
	// its level before counts as risen.
	riseFactor = 2.0
	// lateAfterMinutes: errors beginning later than this after the deploy
	// make the deploy a weaker suspect.
	lateAfterMinutes = 30
	// namedPods: at most this many pods are named in a hint.
	namedPods = 3
)

// hints works out root-cause hints from the evidence. They say "likely"
// and "check": evidence points, it does not prove.
func hints(s subject, d diffEvidence, p podEvidence, m metricEvidence, haveMetrics bool) []string {
	var out []string
	for _, c := range d.images {
		of := ""
		if d.several {
			of = " in container " + c.Container
		}
		out = append(out, fmt.Sprintf("new image %s%s (was %s): likely the change to look at first; check what it changed", c.To, of, c.From))
	}
	if h := oomHint(s, d, p); h != "" {
		out = append(out, h)
	}
	if pods := p.bySymptom[symptomCrashLoop]; len(pods) > 0 {
		where := "check the pods' previous logs"
		if len(p.logs) > 0 {
			where = "check the logs quoted below"
		}
		out = append(out, fmt.Sprintf("CrashLoopBackOff on %s: the new version likely fails soon after it starts; %s", podList(pods), where))
	}
	if pods := p.bySymptom[symptomImagePull]; len(pods) > 0 {
		img := ""
		if len(d.images) > 0 {
			img = " (" + d.images[0].To + ")"
		}
		out = append(out, fmt.Sprintf("image pull errors on %s: the image%s likely does not exist or the nodes have no access to it; check the tag and the pull secrets", podList(pods), img))
	}
	if pods := p.bySymptom[symptomProbe]; len(pods) > 0 {
		out = append(out, fmt.Sprintf("%d failed probe(s) on %s: the new version likely answers its liveness or readiness probe too slowly or not at all; check the probe settings and the endpoint", p.probes, podList(pods)))
	}
	if pods := p.bySymptom[symptomConfig]; len(pods) > 0 {
		out = append(out, fmt.Sprintf("container configuration errors on %s: a ConfigMap or Secret (or a key) the revision refers to is likely missing; check that it exists", podList(pods)))
	}
	for _, c := range d.configs {
		out = append(out, fmt.Sprintf("config reference changed: %s; check what it holds now", strings.TrimPrefix(c.String(), "config: ")))
	}
	if pods := p.bySymptom[symptomScheduling]; len(pods) > 0 {
		out = append(out, fmt.Sprintf("%s could not be scheduled: check the resource requests against the nodes' free capacity, and node selectors, taints and affinities", podList(pods)))
	}
	// A changed image is what to look at, not evidence that it hurt.
	found := len(out) > len(d.images)
	mh, rose := metricHints(s, m)
	out = append(out, mh...)
	if !found && !rose {
		out = append(out, "no evidence of the cause found in the events, the pods' statuses, the configuration or the metrics: check the dependencies and anything else that changed around the deploy")
	}
	if !haveMetrics {
		out = append(out, "no metrics source was configured: the signals before, during and after, and the impact, were not measured")
	}
	return out
}

// oomHint says how many of the suspect revision's pods ran out of memory,
// against what happened to the memory limit.
func oomHint(s subject, d diffEvidence, p podEvidence) string {
	n := len(p.bySymptom[symptomOOM])
	if n == 0 {
		return ""
	}
	total := max(len(p.pods), n)
	head := fmt.Sprintf("%d of %d pods of revision %s (%s) were OOMKilled", n, total, s.bad.Label(), percent(float64(n)/float64(total)))
	// The most telling limit change wins: lowered, raised, unchanged, none.
	var lowered, raised, unchanged, none []memoryLimit
	for _, m := range d.memory {
		switch {
		case m.bad == nil && m.good == nil:
			none = append(none, m)
		case m.bad == nil || m.good == nil:
			raised = append(raised, m) // a limit set or dropped: a change, not a lowering
		case m.bad.Cmp(*m.good) < 0:
			lowered = append(lowered, m)
		case m.bad.Cmp(*m.good) > 0:
			raised = append(raised, m)
		default:
			unchanged = append(unchanged, m)
		}
	}
	limits := func(ms []memoryLimit) string {
		var parts []string
		for _, m := range ms {
			text := quantity(m.good) + " → " + quantity(m.bad)
			if m.good != nil && m.bad != nil && m.good.Cmp(*m.bad) == 0 {
				text = quantity(m.bad)
			}
			if len(d.memory) > 1 {
				text = m.container + " " + text
			}
			parts = append(parts, text)
		}
		return strings.Join(parts, ", ")
	}
	switch {
	case len(lowered) > 0:
		return head + " after the memory limit was lowered (" + limits(lowered) + "): the lower limit is the likely cause; check the memory the new version needs"
	case len(raised) > 0:
		return head + " although the memory limit changed (" + limits(raised) + "): the new version likely needs much more memory; check for a leak or a larger working set"
	case len(unchanged) > 0:
		return head + " with the memory limit unchanged (" + limits(unchanged) + "): the new version likely needs more memory than the old one; check for a leak or a larger working set"
	case len(none) > 0:
		return head + " with no memory limit: the node likely ran out of memory; check its memory pressure"
	}
	return head + ": check the memory the new version needs"
}

// metricHints read the error ratio and the p99 around the deploy; rose
// says whether either got worse with it.
func metricHints(s subject, m metricEvidence) (out []string, rose bool) {
	if m.errKnown {
		began := s.detected
		if began.IsZero() || began.Before(s.deployed) {
			began = m.began
		}
		errRose := m.errDuring >= riseFactor*m.errBefore && m.errDuring > m.errBefore && (m.degraded == 0 || m.errDuring > m.degraded/2)
		ratio := fmt.Sprintf("error ratio %s before → %s during, means", percent(m.errBefore), percent(m.errDuring))
		switch {
		case !began.IsZero() && !began.Before(s.deployed) && (m.degraded == 0 || m.errBefore <= m.degraded):
			// Healthy before, degraded from then on.
			after := int(math.Ceil(began.Sub(s.deployed).Minutes()))
			rose = true
			if after > lateAfterMinutes {
				out = append(out, fmt.Sprintf("errors began %d minutes after the deploy (%s): late for a deploy's fault; check what else changed then", after, ratio))
			} else {
				out = append(out, fmt.Sprintf("errors likely began within %d minute(s) after the deploy (%s)", max(after, 1), ratio))
			}
		case errRose:
			rose = true
			out = append(out, fmt.Sprintf("the error ratio likely rose with the deploy (%s)", ratio))
		default:
			out = append(out, fmt.Sprintf("the error ratio did not rise with the deploy (%s): check the latency and the dependencies", ratio))
		}
	}
	if m.p99Known && m.p99During >= riseFactor*m.p99Before && m.p99During > m.p99Before {
		rose = true
		out = append(out, fmt.Sprintf("the p99 latency likely rose with the deploy (%s before → %s during, highest)",
			metrics.FormatValue(metrics.LatencyP99, m.p99Before), metrics.FormatValue(metrics.LatencyP99, m.p99During)))
	}
	return out, rose
}

// podList names a few pods: "3 pods (a, b, c)", "5 pods (a, b, c, …)".
func podList(pods map[string]bool) string {
	names := make([]string, 0, len(pods))
	for n := range pods {
		names = append(names, n)
	}
	slices.Sort(names)
	what := fmt.Sprintf("%d pods", len(names))
	if len(names) == 1 {
		what = "1 pod"
	}
	if len(names) > namedPods {
		names = append(names[:namedPods], "…")
	}
	return what + " (" + strings.Join(names, ", ") + ")"
}
