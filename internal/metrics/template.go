package metrics

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// templateData is what a query template sees. Every string is already
// escaped for use inside a double-quoted PromQL string, so a workload name
// can never end the string it is written into.
type templateData struct {
	Namespace string
	Workload  string
	Kind      string
	// PodRegex matches the names of the workload's pods.
	PodRegex string
	// Sel is the label matchers of the workload's pods:
	// namespace="ns",pod=~"regex".
	Sel string
	// Rate is the rate() range, in seconds ("60s").
	Rate string
}

// promString escapes s for use between double quotes in PromQL, whose
// string literals follow Go's escaping rules.
func promString(s string) string {
	q := strconv.Quote(s)
	return q[1 : len(q)-1]
}

// PodRegex is the (unanchored, Prometheus-style: it must match the whole
// name) regular expression of the pod names of a workload: a Deployment's
// pods are NAME-HASH-SUFFIX, a StatefulSet's NAME-ORDINAL, a DaemonSet's
// NAME-SUFFIX.
func PodRegex(kind, name string) (string, error) {
	q := regexp.QuoteMeta(name)
	switch strings.ToLower(kind) {
	case "deployment":
		return q + "-[a-z0-9]+-[a-z0-9]+", nil
	case "statefulset":
		return q + "-[0-9]+", nil
	case "daemonset":
		return q + "-[a-z0-9]+", nil
	}
	return "", fmt.Errorf("cannot select the pods of a %q (want Deployment, StatefulSet or DaemonSet)", kind)
}

// revisionRegex captures a Deployment pod's pod-template-hash.
func revisionRegex(name string) string {
	return regexp.QuoteMeta(name) + "-([a-z0-9]+)-[a-z0-9]+"
}

// isDeployment reports whether per-revision series are possible: only a
// Deployment's pod names carry its revision (the pod-template-hash).
func isDeployment(kind string) bool { return strings.EqualFold(kind, "Deployment") }

// rateString writes a rate() range in whole seconds, which every
// Prometheus version parses.
func rateString(d time.Duration) string {
	s := int64((d + time.Second - 1) / time.Second)
	return strconv.FormatInt(max(s, 1), 10) + "s"
}

func newTemplateData(t Target, rate time.Duration) (templateData, error) {
	re, err := PodRegex(t.Kind, t.Name)
	if err != nil {
		return templateData{}, err
	}
	d := templateData{
		Namespace: promString(t.Namespace),
		Workload:  promString(t.Name),
		Kind:      promString(t.Kind),
		PodRegex:  promString(re),
		Rate:      rateString(rate),
	}
	d.Sel = `namespace="` + d.Namespace + `",pod=~"` + d.PodRegex + `"`
	return d, nil
}

// funcs are the template functions; perRevision makes them carry the
// revision label.
func funcs(d templateData, workload string, perRevision bool) template.FuncMap {
	sel := func(metric, extra string) string {
		if extra == "" {
			return metric + "{" + d.Sel + "}"
		}
		return metric + "{" + d.Sel + "," + extra + "}"
	}
	rev := func(expr string) string {
		if !perRevision {
			return expr
		}
		return `label_replace(` + expr + `, "revision", "$1", "pod", "` + promString(revisionRegex(workload)) + `")`
	}
	return template.FuncMap{
		"sel": sel,
		"rev": rev,
		"rate": func(metric, extra string) string {
			return rev("rate(" + sel(metric, extra) + "[" + d.Rate + "])")
		},
		"increase": func(metric, extra string) string {
			return rev("increase(" + sel(metric, extra) + "[" + d.Rate + "])")
		},
		"by": func(labels ...string) string {
			if perRevision {
				labels = append(labels, "revision")
			}
			return strings.Join(labels, ", ")
		},
		"agg": func(op string, labels ...string) string {
			if perRevision {
				labels = append(labels, "revision")
			}
			if len(labels) == 0 {
				return op
			}
			return op + " by (" + strings.Join(labels, ", ") + ")"
		},
	}
}

var unknownField = regexp.MustCompile(`can't evaluate field (\w+)`) // compiled once, never changed

// render executes one query template for a target.
func render(name, text string, t Target, rate time.Duration, perRevision bool) (string, error) {
	d, err := newTemplateData(t, rate)
	if err != nil {
		return "", err
	}
	tmpl, err := template.New(name).Option("missingkey=error").Funcs(funcs(d, t.Name, perRevision)).Parse(text)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := tmpl.Execute(&b, d); err != nil {
		if m := unknownField.FindStringSubmatch(err.Error()); m != nil {
			return "", fmt.Errorf("no field .%s (the fields are .Namespace, .Workload, .Kind, .PodRegex, .Sel and .Rate)", m[1])
		}
		return "", err
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		return "", fmt.Errorf("the template renders an empty query")
	}
	return out, nil
}

// CheckTemplate reports whether a query template renders, for validating
// configuration when it is loaded rather than at the first query.
func CheckTemplate(text string) error {
	sample := Target{Namespace: "default", Kind: "Deployment", Name: "example"}
	for _, perRevision := range []bool{false, true} {
		if _, err := render("query", text, sample, time.Minute, perRevision); err != nil {
			return err
		}
	}
	return nil
}
