package metrics

import "strings"

// Preset is a set of query templates for one metric convention. Templates
// use Go's text/template with the fields .Namespace .Workload .Kind
// .PodRegex .Sel .Rate (already escaped for double-quoted PromQL strings)
// and the functions:
//
//	{{sel "metric" "extra matchers"}}  metric{SEL,extra}
//	{{rate "metric" "extra matchers"}} rate(metric{SEL,extra}[RATE]), carrying
//	                                    the revision label when per revision
//	{{increase "metric" "extra"}}      the same with increase()
//	{{rev "expr"}}                      expr with the revision label when per revision
//	{{by "le"}}                         "le", or "le, revision" when per revision
//	{{agg "sum" "le"}}                  "sum by (le)", or "sum by (le, revision)";
//	                                    {{agg "sum"}} is "sum" or "sum by (revision)"
//
// A template that uses none of rate, increase, rev, by or agg renders the same
// either way and gives the whole workload only.
type Preset struct {
	Name        string // "promhttp", "istio", "ingress-nginx", "kube"
	Description string
	// Probe is a query that returns data when the preset applies to a
	// target.
	Probe string
	// Queries are the PromQL templates per signal.
	Queries map[Signal]string
}

// The name of per-workload query overrides from the configuration.
const CustomPreset = "custom"

// DefaultPresets are the conventions mayday knows, in detection order. The
// request presets (those with an error ratio) are probed in this order;
// saturation signals always come from "kube".
func DefaultPresets() []Preset {
	return []Preset{promhttpPreset(), istioPreset(), ingressNginxPreset(), kubePreset()}
}

// requestQueries writes the error ratio, latency and rate queries over a
// requests counter and a duration histogram, and the request counts of a
// window over the same counter (so an incident's impact matches its error
// ratio); fiveXX matches failed requests and scale turns the histogram's
// unit into seconds. over writes fn ("rate" or "increase") of a metric.
func requestQueries(total, fiveXX, bucket, scale string, over func(fn, metric, extra string) string, sumBy func(labels string) string) map[Signal]string {
	sum := func(expr string) string { return sumBy("") + "(" + expr + ")" }
	rateOf := func(metric, extra string) string { return over("rate", metric, extra) }
	all := sum(rateOf(total, ""))
	allCount := sum(over("increase", total, ""))
	quantile := func(q string) string {
		return "histogram_quantile(" + q + ", " + sumBy("le") + " (" + rateOf(bucket, "") + "))" + scale
	}
	return map[Signal]string{
		// "or 0 * all" gives 0 rather than no data when nothing failed.
		ErrorRatio:     "(" + sum(rateOf(total, fiveXX)) + " or 0 * " + all + ") / " + all,
		LatencyP99:     quantile("0.99"),
		LatencyP50:     quantile("0.5"),
		RequestRate:    all,
		FailedRequests: sum(over("increase", total, fiveXX)) + " or 0 * " + allCount,
		Requests:       allCount,
	}
}

func promhttpPreset() Preset {
	over := func(fn, metric, extra string) string {
		return `{{` + fn + ` "` + metric + `" "` + escapeTemplateString(extra) + `"}}`
	}
	sumBy := func(labels string) string {
		if labels == "" {
			return `{{agg "sum"}}`
		}
		return `{{agg "sum" "` + labels + `"}}`
	}
	return Preset{
		Name:        "promhttp",
		Description: "client_golang's promhttp: http_requests_total{code} and http_request_duration_seconds, per pod and per revision",
		Probe:       `count({{sel "http_requests_total" ""}})`,
		Queries:     requestQueries("http_requests_total", `code=~"5.."`, "http_request_duration_seconds_bucket", "", over, sumBy),
	}
}

// istioPreset selects by destination_workload, which names the workload
// itself rather than its pods, so it gives the whole workload only.
func istioPreset() Preset {
	m := `reporter="destination",destination_workload_namespace="{{.Namespace}}",destination_workload="{{.Workload}}"`
	return Preset{
		Name:        "istio",
		Description: "Istio sidecar metrics: istio_requests_total and istio_request_duration_milliseconds, for the whole workload",
		Probe:       "count(istio_requests_total{" + m + "})",
		Queries:     requestQueries("istio_requests_total", `response_code=~"5.."`, "istio_request_duration_milliseconds_bucket", " / 1000", labelOver(m), fixedSum),
	}
}

// ingressNginxPreset selects the backend service named like the workload
// (exported_* because the controller's own namespace and service labels
// take the plain names when Prometheus scrapes it).
func ingressNginxPreset() Preset {
	m := `exported_namespace="{{.Namespace}}",exported_service="{{.Workload}}"`
	return Preset{
		Name:        "ingress-nginx",
		Description: "ingress-nginx controller metrics for the service named like the workload, for the whole workload",
		Probe:       "count(nginx_ingress_controller_requests{" + m + "})",
		Queries:     requestQueries("nginx_ingress_controller_requests", `status=~"5.."`, "nginx_ingress_controller_request_duration_seconds_bucket", "", labelOver(m), fixedSum),
	}
}

// labelOver writes rate() or increase() over fixed label matchers instead
// of the pod selector.
func labelOver(matchers string) func(fn, metric, extra string) string {
	return func(fn, metric, extra string) string {
		if extra != "" {
			extra = "," + extra
		}
		return fn + "(" + metric + "{" + matchers + extra + "}[{{.Rate}}])"
	}
}

// fixedSum sums without the revision label.
func fixedSum(labels string) string {
	if labels == "" {
		return "sum"
	}
	return "sum by (" + labels + ")"
}

func kubePreset() Preset {
	container := `"container!=\"\",container!=\"POD\""`
	return Preset{
		Name:        "kube",
		Description: "kube-state-metrics and cAdvisor: CPU throttling, memory working set and container restarts, per pod and per revision",
		Probe:       `count({{sel "container_memory_working_set_bytes" ` + container + `}})`,
		Queries: map[Signal]string{
			CPUThrottling: `{{agg "max"}} ({{agg "sum" "pod"}} ({{rate "container_cpu_cfs_throttled_periods_total" ` + container + `}})` +
				` / {{agg "sum" "pod"}} ({{rate "container_cpu_cfs_periods_total" ` + container + `}}))`,
			Memory:   `{{agg "max"}} ({{agg "sum" "pod"}} ({{rev (sel "container_memory_working_set_bytes" ` + container + `)}}))`,
			Restarts: `{{agg "sum"}} ({{increase "kube_pod_container_status_restarts_total" ""}})`,
		},
	}
}

// escapeTemplateString escapes s for a double-quoted text/template string.
func escapeTemplateString(s string) string {
	return strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
}

// findPreset looks a preset up by name.
func findPreset(presets []Preset, name string) (Preset, bool) {
	for _, p := range presets {
		if p.Name == name {
			return p, true
		}
	}
	return Preset{}, false
}

// isRequestPreset reports whether p measures requests (and so is one of
// the presets Detect chooses between).
func isRequestPreset(p Preset) bool { _, ok := p.Queries[ErrorRatio]; return ok }

func presetNames(presets []Preset, keep func(Preset) bool) []string {
	var out []string
	for _, p := range presets {
		if keep == nil || keep(p) {
			out = append(out, p.Name)
		}
	}
	return out
}
