package config

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/metrics"
)

func TestDocsSampleHealth(t *testing.T) {
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	c, err := Parse("config.yaml", []byte(between(t, string(data), "```yaml\n", "```")))
	if err != nil {
		t.Fatalf("docs sample is invalid: %v", err)
	}
	p := c.For("prod-eu-1").Prometheus
	if p.Timeout != 5*time.Second || p.Refresh != 10*time.Second || p.ScrapeInterval != 15*time.Second || !p.HTTP.FollowRedirects {
		t.Errorf("prometheus = %+v", p)
	}
	co := c.HealthSettings("shop", "checkout")
	if co.Preset != "promhttp" {
		t.Errorf("checkout preset %q", co.Preset)
	}
	// Workload over health.thresholds over the defaults, field by field.
	if got := co.Thresholds[metrics.ErrorRatio]; got != (metrics.Threshold{Degraded: 0.01, Critical: 0.02, For: 2 * time.Minute}) {
		t.Errorf("checkout error ratio %+v", got)
	}
	if got := co.Thresholds[metrics.LatencyP99]; got != (metrics.Threshold{Degraded: 0.5, Critical: 0.8, For: time.Minute}) {
		t.Errorf("checkout p99 %+v", got)
	}
	pay := c.HealthSettings("payments", "ledger")
	if pay.Preset != "" || !strings.Contains(pay.Queries[metrics.LatencyP99], "rpc_duration_seconds_bucket") {
		t.Errorf("payments = %+v", pay)
	}
	if got := pay.Thresholds[metrics.ErrorRatio]; got.Critical != 0.05 || got.For != 2*time.Minute {
		t.Errorf("payments error ratio %+v", got)
	}
}

// The authentication example in docs/config.md is valid except for the
// files it names, which do not exist here.
func TestDocsAuthExample(t *testing.T) {
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, "## Prometheus and health")
	if i < 0 {
		t.Fatal("no Prometheus section")
	}
	c, err := Parse("/etc/mayday/config.yaml", []byte(between(t, doc[i:], "```yaml\n", "```")))
	if err == nil {
		t.Fatal("expected the missing files to be reported")
	}
	for _, line := range strings.Split(err.Error(), "\n") {
		if !strings.Contains(line, "cannot read") || !strings.Contains(line, "no such file") {
			t.Errorf("unexpected problem: %s", line)
		}
	}
	http := c.For("prod-x").Prometheus.HTTP
	if http.Authorization == nil || http.Authorization.CredentialsFile != "/var/run/secrets/prometheus/token" || http.TLSConfig.CAFile != "/etc/ssl/prometheus-ca.pem" {
		t.Errorf("http = %+v", http)
	}
}

func TestPrometheusHTTPSettings(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"token", "ca.pem", "pass"} {
		if err := os.WriteFile(filepath.Join(dir, f), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	c, err := Parse(filepath.Join(dir, "config.yaml"), []byte(`
contexts:
  a:
    prometheus:
      url: http://127.0.0.1:9090
      timeout: 2s
      http:
        authorization: {credentials_file: token}
        tls_config: {ca_file: ca.pem, insecure_skip_verify: true}
  b:
    prometheus:
      url: https://p
      http:
        basic_auth: {username: oncall, password_file: pass}
        follow_redirects: false
`))
	if err != nil {
		t.Fatal(err)
	}
	a := c.For("a").Prometheus
	if a.URL != "http://127.0.0.1:9090" || a.Timeout != 2*time.Second || a.Refresh != metrics.DefaultRefresh {
		t.Errorf("a = %+v", a)
	}
	if a.HTTP.Authorization == nil || a.HTTP.Authorization.Type != "Bearer" || a.HTTP.Authorization.CredentialsFile != filepath.Join(dir, "token") {
		t.Errorf("a authorization = %+v (relative files resolve against the config's directory)", a.HTTP.Authorization)
	}
	if a.HTTP.TLSConfig.CAFile != filepath.Join(dir, "ca.pem") || !a.HTTP.TLSConfig.InsecureSkipVerify || !a.HTTP.EnableHTTP2 {
		t.Errorf("a tls = %+v", a.HTTP.TLSConfig)
	}
	b := c.For("b").Prometheus.HTTP
	if b.BasicAuth == nil || b.BasicAuth.Username != "oncall" || b.BasicAuth.PasswordFile != filepath.Join(dir, "pass") || b.FollowRedirects {
		t.Errorf("b = %+v", b)
	}
	if _, err := metrics.NewPrometheus("https://p", b); err != nil {
		t.Errorf("b's settings do not make a client: %v", err)
	}
	// The CA file is read when the client is made: "x" is not a certificate.
	if _, err := metrics.NewPrometheus("http://127.0.0.1:9090", a.HTTP); err == nil || !strings.Contains(err.Error(), "ca.pem") {
		t.Errorf("a's CA: %v", err)
	}
	// A context without settings gets the defaults.
	none := c.For("other").Prometheus
	if none.URL != "" || none.Timeout != metrics.DefaultTimeout || none.ScrapeInterval != metrics.DefaultScrapeInterval || !none.HTTP.FollowRedirects {
		t.Errorf("defaults = %+v", none)
	}
}

func TestHealthErrorsNameTheLine(t *testing.T) {
	src := `contexts:
  prod:
    prometheus:
      url: http://p
      timeout: 0s
      scrapeInterval: soon
      http:
        authorization:
          credential_file: /x
        tls_config:
          insecure_skip_verify: maybe
  staging:
    prometheus:
      http:
        basic_auth: {username: a, password: b, password_file: c}
  dev:
    prometheus:
      http:
        bearer_token_file: /does/not/exist
health:
  thresholds:
    error_ratio: {degraded: 5, critical: 5%}
    latency_p99: {critical: 5%}
    latency_p50: {degraded: fast}
    cpu_throttling: {degraded: 60%}
    errors: {critical: 1%}
  workloads:
    checkout:
      preset: promhttp
    shop/checkout:
      preset: linkerd
      queries:
        latency_p99: '{{rate "x"'
        error_rate: 'x'
        memory: '{{.Nope}}'
      thresholds:
        memory: {critical: -1}
        restarts: {degraded: 1, for: 25h}
`
	_, err := Parse("/cfg/config.yaml", []byte(src))
	if err == nil {
		t.Fatal("expected errors")
	}
	msg := err.Error()
	for _, want := range []string{
		`/cfg/config.yaml:5: contexts.prod.prometheus.timeout: 0s is out of range`,
		`/cfg/config.yaml:6: contexts.prod.prometheus.scrapeInterval: "soon" is not a duration`,
		`/cfg/config.yaml:9: contexts.prod.prometheus.http.authorization.credential_file: unknown setting (did you mean "credentials_file"?)`,
		`/cfg/config.yaml:11: contexts.prod.prometheus.http: cannot unmarshal !!str ` + "`maybe`" + ` into bool`,
		`/cfg/config.yaml:15: contexts.staging.prometheus.http: at most one of basic_auth password, password_file & password_ref must be configured`,
		`/cfg/config.yaml:19: contexts.dev.prometheus.http.bearer_token_file: cannot read /does/not/exist: no such file or directory`,
		`/cfg/config.yaml:22: health.thresholds.error_ratio.degraded: "5" is above 100% (write 5% or 0.05 for five percent)`,
		`/cfg/config.yaml:23: health.thresholds.latency_p99.critical: "5%": a percentage fits error_ratio and cpu_throttling, not latency_p99`,
		`/cfg/config.yaml:24: health.thresholds.latency_p50.degraded: "fast" is not a level for latency_p50 (write 800ms, 1.5s or 0.8)`,
		`/cfg/config.yaml:25: health.thresholds.cpu_throttling.degraded: degraded 60% is above critical 50%, so it would never show`,
		`/cfg/config.yaml:26: health.thresholds.errors: unknown setting`,
		`/cfg/config.yaml:28: health.workloads.checkout: name a workload as NAMESPACE/NAME`,
		`/cfg/config.yaml:31: health.workloads.shop/checkout.preset: "linkerd" is not a preset (known: promhttp, istio, ingress-nginx)`,
		`/cfg/config.yaml:33: health.workloads.shop/checkout.queries.latency_p99: the query template does not render: template: query:1: unclosed action`,
		`/cfg/config.yaml:34: health.workloads.shop/checkout.queries.error_rate: unknown setting (did you mean "error_ratio"?)`,
		`/cfg/config.yaml:35: health.workloads.shop/checkout.queries.memory: the query template does not render: no field .Nope (the fields are .Namespace`,
		`/cfg/config.yaml:37: health.workloads.shop/checkout.thresholds.memory.critical: "-1" is negative`,
		`/cfg/config.yaml:38: health.workloads.shop/checkout.thresholds.restarts.for: 25h0m0s is out of range`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	if n := len(regexp.MustCompile(`(?m)^/cfg/config.yaml:`).FindAllString(msg, -1)); n != 18 {
		t.Errorf("%d problems reported, want 18:\n%s", n, msg)
	}
}

func TestParseLevel(t *testing.T) {
	tests := []struct {
		signal metrics.Signal
		text   string
		want   float64
	}{
		{metrics.ErrorRatio, "5%", 0.05},
		{metrics.ErrorRatio, "0.05", 0.05},
		{metrics.ErrorRatio, "0.5 %", 0.005},
		{metrics.CPUThrottling, "100%", 1},
		{metrics.LatencyP99, "800ms", 0.8},
		{metrics.LatencyP99, "1.5s", 1.5},
		{metrics.LatencyP99, "2", 2},
		{metrics.Memory, "512Mi", 512 << 20},
		{metrics.Memory, "2GiB", 2 << 30},
		{metrics.Memory, "1GB", 1e9},
		{metrics.Memory, "1000", 1000},
		{metrics.Restarts, "3", 3},
		{metrics.RequestRate, "off", 0},
		{metrics.ErrorRatio, "0", 0},
	}
	for _, tt := range tests {
		got, err := parseLevel(tt.signal, tt.text)
		if err != nil || got != tt.want {
			t.Errorf("%s %q = %v, %v; want %v", tt.signal, tt.text, got, err, tt.want)
		}
	}
	for _, bad := range []struct {
		signal metrics.Signal
		text   string
	}{
		{metrics.ErrorRatio, "NaN"}, {metrics.ErrorRatio, "Inf"}, {metrics.ErrorRatio, "150%"}, {metrics.ErrorRatio, "5ms"},
		{metrics.LatencyP99, "1x"}, {metrics.Memory, "5%"}, {metrics.Memory, "12 apples"}, {metrics.Restarts, "-1"}, {metrics.Restarts, ""},
	} {
		if v, err := parseLevel(bad.signal, bad.text); err == nil {
			t.Errorf("%s %q accepted as %v", bad.signal, bad.text, v)
		}
	}
}

func TestHealthSettingsResolution(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`
health:
  workloads:
    shop/*:
      preset: istio
    "*/checkout":
      preset: ingress-nginx
    shop/checkout:
      thresholds:
        error_ratio: {critical: off}
`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ns, name, preset string
	}{
		{"shop", "checkout", ""},  // exact beats globs
		{"shop", "cart", "istio"}, // first glob
		{"billing", "checkout", "ingress-nginx"},
		{"billing", "ledger", ""},
	}
	for _, tt := range tests {
		if got := c.HealthSettings(tt.ns, tt.name); got.Preset != tt.preset {
			t.Errorf("%s/%s preset %q, want %q", tt.ns, tt.name, got.Preset, tt.preset)
		}
	}
	if th := c.HealthSettings("shop", "checkout").Thresholds[metrics.ErrorRatio]; th.Critical != 0 || th.Degraded != 0.01 {
		t.Errorf("critical: off = %+v", th)
	}
	if th := Defaults().HealthSettings("a", "b").Thresholds; th[metrics.LatencyP99] != metrics.DefaultThresholds()[metrics.LatencyP99] {
		t.Errorf("defaults = %+v", th)
	}
}
