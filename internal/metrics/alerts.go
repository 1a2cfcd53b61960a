package metrics

import (
	"context"
	"regexp"
)

// Alerts lists the firing alerts that match t, bounded by the timeout.
func (h *Health) Alerts(ctx context.Context, t Target) ([]Alert, error) {
	if h.Source == nil {
		return nil, errNoSource
	}
	fetch := func(ctx context.Context) ([]Alert, error) {
		actx, cancel := context.WithTimeout(ctx, h.timeout())
		defer cancel()
		return h.Source.Alerts(actx)
	}
	var all []Alert
	var err error
	if h.Memo != nil {
		all, err = h.Memo.allAlerts(ctx, fetch)
	} else {
		all, err = fetch(ctx)
	}
	if err != nil {
		return nil, err
	}
	return MatchAlerts(all, t), nil
}

// workloadLabels are the labels alert rules commonly name a workload by.
func workloadLabels() []string {
	return []string{"deployment", "statefulset", "daemonset", "workload", "destination_workload", "app", "app_kubernetes_io_name", "service"}
}

// MatchAlerts keeps the firing alerts about t: in its namespace (label
// namespace or exported_namespace) and either naming it in one of the
// usual workload labels or naming one of its pods.
func MatchAlerts(alerts []Alert, t Target) []Alert {
	var pod *regexp.Regexp
	if re, err := PodRegex(t.Kind, t.Name); err == nil {
		pod = regexp.MustCompile("^(?:" + re + ")$") // built from QuoteMeta, always valid
	}
	var out []Alert
	for _, a := range alerts {
		if a.State == "firing" && alertMatches(a.Labels, t, pod) {
			out = append(out, a)
		}
	}
	return out
}

func alertMatches(labels map[string]string, t Target, pod *regexp.Regexp) bool {
	if !hasLabel(labels, "namespace", t.Namespace) && !hasLabel(labels, "exported_namespace", t.Namespace) {
		return false
	}
	for _, l := range workloadLabels() {
		if hasLabel(labels, l, t.Name) {
			return true
		}
	}
	p, ok := labels["pod"]
	return ok && pod != nil && pod.MatchString(p)
}

func hasLabel(labels map[string]string, name, value string) bool {
	v, ok := labels[name]
	return ok && v == value
}
