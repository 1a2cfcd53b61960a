package metrics

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPodRegex(t *testing.T) {
	tests := []struct {
		kind, name string
		match      []string
		noMatch    []string
	}{
		{"Deployment", "checkout", []string{"checkout-7d9f8c6b5-abcde", "checkout-5f6d-x1"}, []string{"checkout-0", "checkout-canary-7d9f8c6b5-abcde", "xcheckout-7d9f8c6b5-abcde", "checkout-7d9f8c6b5"}},
		{"deployment", "a.b", []string{"a.b-1-2"}, []string{"axb-1-2"}},
		{"StatefulSet", "db", []string{"db-0", "db-12"}, []string{"db-a", "db-0-x", "db-"}},
		{"DaemonSet", "agent", []string{"agent-x7k2p"}, []string{"agent-x7k2p-1", "agent"}},
	}
	for _, tt := range tests {
		re, err := PodRegex(tt.kind, tt.name)
		if err != nil {
			t.Fatalf("%s %s: %v", tt.kind, tt.name, err)
		}
		anchored := regexp.MustCompile("^(?:" + re + ")$")
		for _, p := range tt.match {
			if !anchored.MatchString(p) {
				t.Errorf("%s %s: %q does not match %q", tt.kind, tt.name, re, p)
			}
		}
		for _, p := range tt.noMatch {
			if anchored.MatchString(p) {
				t.Errorf("%s %s: %q matches %q", tt.kind, tt.name, re, p)
			}
		}
	}
	if _, err := PodRegex("CronJob", "x"); err == nil || !strings.Contains(err.Error(), `"CronJob"`) {
		t.Errorf("CronJob: err = %v", err)
	}
}

// splitLiterals separates a PromQL expression into its double-quoted
// string literals (unquoted) and the code around them (each literal
// replaced by "").
func splitLiterals(t *testing.T, expr string) (code string, literals []string) {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(expr); i++ {
		if expr[i] != '"' {
			b.WriteByte(expr[i])
			continue
		}
		j := i + 1
		for ; j < len(expr) && expr[j] != '"'; j++ {
			if expr[j] == '\\' {
				j++
			}
		}
		if j >= len(expr) {
			t.Fatalf("unterminated string in %s", expr)
		}
		lit, err := strconv.Unquote(expr[i : j+1])
		if err != nil {
			t.Fatalf("bad literal %s: %v", expr[i:j+1], err)
		}
		literals = append(literals, lit)
		b.WriteString(`""`)
		i = j
	}
	return b.String(), literals
}

func TestHostileNamesStayInsideStrings(t *testing.T) {
	hostile := []string{
		`x"}) or vector(1) #`,
		`back\slash\`,
		"new\nline",
		`a.*b|c`,
		`}[5m]))`,
		`"`,
		`ünï`,
	}
	h := &Health{}
	for _, kind := range []string{"Deployment", "StatefulSet", "DaemonSet"} {
		for _, preset := range []string{"promhttp", "istio", "ingress-nginx"} {
			benign := Target{Namespace: "ns", Kind: kind, Name: "web"}
			want, errs := h.Queries(benign, preset, time.Minute, true)
			if len(errs) > 0 {
				t.Fatalf("benign: %v", errs)
			}
			for _, name := range hostile {
				tgt := Target{Namespace: name, Kind: kind, Name: name}
				got, errs := h.Queries(tgt, preset, time.Minute, true)
				if len(errs) > 0 {
					t.Fatalf("%q: %v", name, errs)
				}
				for s, q := range got {
					code, lits := splitLiterals(t, q.Expr)
					wantCode, _ := splitLiterals(t, want[s].Expr)
					if code != wantCode {
						t.Errorf("%s %s %s: the name %q changed the query's structure:\n%s\nwant\n%s", kind, preset, s, name, code, wantCode)
					}
					checkLiterals(t, lits, name, kind)
				}
			}
		}
	}
}

// checkLiterals: every literal mentioning the name is the name itself or a
// regex that matches the name's pods exactly.
func checkLiterals(t *testing.T, lits []string, name, kind string) {
	t.Helper()
	pod := map[string]string{"Deployment": name + "-abc12-xyz34", "StatefulSet": name + "-3", "DaemonSet": name + "-xyz34"}[kind]
	for _, lit := range lits {
		if lit == name || !strings.Contains(lit, regexp.QuoteMeta(name)) {
			continue
		}
		re, err := regexp.Compile("^(?:" + lit + ")$")
		if err != nil {
			t.Errorf("regex literal %q does not compile: %v", lit, err)
			continue
		}
		if !re.MatchString(pod) {
			t.Errorf("regex %q does not match pod %q", lit, pod)
		}
		if re.MatchString("other-abc12-xyz34") {
			t.Errorf("regex %q matches another workload's pod", lit)
		}
	}
}

func TestQueriesPerRevisionOnlyForDeployments(t *testing.T) {
	h := &Health{}
	tests := []struct {
		kind, preset string
		signal       Signal
		perRevision  bool
	}{
		{"Deployment", "promhttp", ErrorRatio, true},
		{"Deployment", "promhttp", LatencyP99, true},
		{"Deployment", "promhttp", Memory, true},
		{"StatefulSet", "promhttp", ErrorRatio, false},
		{"DaemonSet", "promhttp", LatencyP99, false},
		{"StatefulSet", "promhttp", Restarts, false},
		{"Deployment", "istio", ErrorRatio, false},
		{"Deployment", "ingress-nginx", LatencyP99, false},
		{"Deployment", "istio", CPUThrottling, true},
	}
	for _, tt := range tests {
		tgt := Target{Namespace: "shop", Kind: tt.kind, Name: "checkout"}
		qs, errs := h.Queries(tgt, tt.preset, 90*time.Second, true)
		if len(errs) > 0 {
			t.Fatalf("%v", errs)
		}
		q := qs[tt.signal]
		if q.PerRevision != tt.perRevision {
			t.Errorf("%s %s %s: PerRevision = %v", tt.kind, tt.preset, tt.signal, q.PerRevision)
		}
		if got := strings.Contains(q.Expr, "label_replace"); got != tt.perRevision {
			t.Errorf("%s %s %s: label_replace in %s", tt.kind, tt.preset, tt.signal, q.Expr)
		}
		if !strings.Contains(q.Expr, "[90s]") && tt.signal != Memory {
			t.Errorf("%s: rate range not 90s: %s", tt.signal, q.Expr)
		}
		if q.Signal != tt.signal || q.Rate != 90*time.Second || q.Target.Name != "checkout" {
			t.Errorf("query = %+v", q)
		}
		// Asked for the aggregate only, nothing carries a revision.
		agg, _ := h.Queries(tgt, tt.preset, 90*time.Second, false)
		if agg[tt.signal].PerRevision || strings.Contains(agg[tt.signal].Expr, "revision") {
			t.Errorf("aggregate query carries revisions: %s", agg[tt.signal].Expr)
		}
		if tt.perRevision && !strings.HasSuffix(q.Expr, "or ("+agg[tt.signal].Expr+")") {
			t.Errorf("per-revision query does not end with the aggregate:\n%s\n%s", q.Expr, agg[tt.signal].Expr)
		}
	}
}

func TestQueriesPresetSources(t *testing.T) {
	settings := Settings{Queries: map[Signal]string{
		LatencyP99: `my_p99{ {{- .Sel -}} }`,
		LatencyP50: `{{ broken`,
		Memory:     `{{.Nope}}`,
	}}
	h := &Health{Settings: func(Target) Settings { return settings }}
	tgt := Target{Namespace: "shop", Kind: "StatefulSet", Name: "db"}
	qs, errs := h.Queries(tgt, "istio", time.Minute, true)

	if q := qs[LatencyP99]; q.Preset != CustomPreset || q.Expr != `my_p99{namespace="shop",pod=~"db-[0-9]+"}` {
		t.Errorf("override = %+v", q)
	}
	if q := qs[ErrorRatio]; q.Preset != "istio" || !strings.Contains(q.Expr, "istio_requests_total") {
		t.Errorf("error ratio = %+v", q)
	}
	for _, s := range []Signal{CPUThrottling, Restarts} {
		if q := qs[s]; q.Preset != "kube" {
			t.Errorf("%s from %q, want kube", s, q.Preset)
		}
	}
	for _, s := range []Signal{LatencyP50, Memory} {
		err := errs[s]
		if err == nil {
			t.Errorf("%s: no error for a broken template", s)
			continue
		}
		if _, ok := qs[s]; ok {
			t.Errorf("%s: a query despite the error", s)
		}
		for _, want := range []string{string(s), "configuration", "shop/db"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("%s: error %q does not mention %q", s, err, want)
			}
		}
	}
	if len(errs) != 2 {
		t.Errorf("errs = %v", errs)
	}
}

func TestQueriesUnknownPresetAndKind(t *testing.T) {
	h := &Health{}
	qs, errs := h.Queries(Target{Namespace: "shop", Kind: "Deployment", Name: "checkout"}, "nginx", time.Minute, false)
	if errs[ErrorRatio] == nil || !strings.Contains(errs[ErrorRatio].Error(), `preset "nginx" is not known`) {
		t.Errorf("error ratio: %v", errs[ErrorRatio])
	}
	if _, ok := qs[Memory]; !ok {
		t.Errorf("memory should still come from kube: %v", errs)
	}
	// No preset (detection failed): saturation only.
	qs, errs = h.Queries(Target{Namespace: "shop", Kind: "Deployment", Name: "checkout"}, "", time.Minute, false)
	if len(errs) != 0 || len(qs) != 3 {
		t.Errorf("no preset: %d queries %v", len(qs), errs)
	}
	_, errs = h.Queries(Target{Namespace: "shop", Kind: "Job", Name: "x"}, "promhttp", time.Minute, false)
	if err := errs[ErrorRatio]; err == nil || !strings.Contains(err.Error(), `"Job"`) {
		t.Errorf("Job: %v", err)
	}
}

func TestCheckTemplate(t *testing.T) {
	tests := []struct {
		text string
		want string // "" = valid
	}{
		{`sum({{rate "x_total" ""}})`, ""},
		{`histogram_quantile(0.9, {{agg "sum" "le"}} ({{rate "x_bucket" ""}}))`, ""},
		{`up{ {{- .Sel -}} }`, ""},
		{`{{rate "x"}}`, "wrong number of args"},
		{`{{.Pods}}`, "no field .Pods (the fields are"},
		{`{{nope "x"}}`, `function "nope" not defined`},
		{`{{ rate "x" "" `, "unclosed action"},
		{`  `, "empty query"},
	}
	for _, tt := range tests {
		err := CheckTemplate(tt.text)
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%q: %v", tt.text, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%q: err = %v, want %q", tt.text, err, tt.want)
		}
	}
}

func TestDefaultPresetsRender(t *testing.T) {
	for _, p := range DefaultPresets() {
		if p.Name == "" || p.Description == "" || p.Probe == "" {
			t.Errorf("preset %+v lacks a name, description or probe", p)
		}
		if err := CheckTemplate(p.Probe); err != nil {
			t.Errorf("%s probe: %v", p.Name, err)
		}
		for s, q := range p.Queries {
			if err := CheckTemplate(q); err != nil {
				t.Errorf("%s %s: %v", p.Name, s, err)
			}
		}
	}
}
