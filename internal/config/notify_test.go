package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/notify"
)

// The incidents example in docs/config.md is valid except for the
// template file it names, which does not exist here.
func TestDocsIncidentsExample(t *testing.T) {
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	i := strings.Index(doc, "## Incidents and notifications")
	if i < 0 {
		t.Fatal("no incidents section")
	}
	c, err := Parse("/etc/mayday/config.yaml", []byte(between(t, doc[i:], "```yaml\n", "```")))
	if err == nil || strings.Count(err.Error(), "\n") != 0 || !strings.Contains(err.Error(), "incidents.reportTemplate: cannot read /etc/mayday/report.md.tmpl") {
		t.Fatalf("err = %v", err)
	}
	home, _ := os.UserHomeDir()
	if c.Incidents.Dir != filepath.Join(home, "incidents") {
		t.Errorf("dir %q", c.Incidents.Dir)
	}
	hooks := c.Notify.Webhooks
	if len(hooks) != 2 {
		t.Fatalf("webhooks %+v", hooks)
	}
	if hooks[0].Name != "team-slack" || hooks[0].URLEnv != "SLACK_INCIDENT_WEBHOOK" || hooks[0].Format != notify.FormatSlack ||
		len(hooks[0].Events) != 5 || hooks[0].Timeout != notify.DefaultTimeout || hooks[0].Retries != notify.DefaultRetries {
		t.Errorf("first webhook %+v", hooks[0])
	}
	if hooks[1].URL != "https://alerts.example.com/hooks/mayday" || hooks[1].Format != notify.FormatJSON ||
		hooks[1].Timeout != 3*time.Second || hooks[1].Retries != 5 || hooks[1].Events[1] != incident.TypeFailed {
		t.Errorf("second webhook %+v", hooks[1])
	}
	env := map[string]string{"SLACK_INCIDENT_WEBHOOK": "https://hooks.slack.com/services/T/B/X"}
	resolved, errs := c.Notify.Resolve(func(k string) string { return env[k] })
	if len(errs) != 0 || len(resolved) != 2 || resolved[0].URL != env["SLACK_INCIDENT_WEBHOOK"] {
		t.Errorf("resolved %+v %v", resolved, errs)
	}
	resolved, errs = c.Notify.Resolve(func(string) string { return "" })
	if len(resolved) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "SLACK_INCIDENT_WEBHOOK") {
		t.Errorf("without the variable: %+v %v", resolved, errs)
	}
}

func TestWebhookErrors(t *testing.T) {
	_, err := Parse("config.yaml", []byte(`notify:
  webhooks:
    - name: ok
      url: https://example.com/a
    - url: https://example.com/b
    - name: both
      url: https://example.com/c
      urlEnv: HOOK
    - name: bad
      url: ftp://example.com
      format: xml
      events: [executed, notification-sent, lunch]
      timeout: 2h
      retries: many
    - name: ok
      url: https://example.com/d
    - just a string
    - name: none
  extra: 1
`))
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"config.yaml:5: notify.webhooks[1].name: a webhook needs a name",
		"config.yaml:8: notify.webhooks[2].urlEnv: set url or urlEnv, not both",
		"config.yaml:10: notify.webhooks[3].url: the URL must start with https://",
		`config.yaml:11: notify.webhooks[3].format: "xml" is not a format`,
		`config.yaml:12: notify.webhooks[3].events: "notification-sent" is not an event`,
		`config.yaml:12: notify.webhooks[3].events: "lunch" is not an event`,
		"config.yaml:13: notify.webhooks[3].timeout: 2h0m0s is out of range",
		`config.yaml:14: notify.webhooks[3].retries: "many" is not a number of retries`,
		`config.yaml:15: notify.webhooks[4].name: webhook "ok" is defined twice (first on line 3)`,
		"config.yaml:17: notify.webhooks[5]: expected a mapping",
		"config.yaml:18: notify.webhooks[6].url: a webhook needs url",
		"config.yaml:19: notify.extra: unknown setting",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	c, _ := Parse("config.yaml", []byte("notify:\n  webhooks: {name: x}\n"))
	if len(c.Notify.Webhooks) != 0 {
		t.Errorf("a mapping read as a list: %+v", c.Notify.Webhooks)
	}
}

func TestReportTemplateChecked(t *testing.T) {
	dir := t.TempDir()
	_ = os.WriteFile(filepath.Join(dir, "good.tmpl"), []byte("{{ .Incident.ID }}"), 0o600)
	_ = os.WriteFile(filepath.Join(dir, "bad.tmpl"), []byte("{{ .Incident.ID "), 0o600)
	file := filepath.Join(dir, "config.yaml")
	c, err := Parse(file, []byte("incidents:\n  dir: journals\n  reportTemplate: good.tmpl\n"))
	if err != nil || c.Incidents.ReportTemplate != filepath.Join(dir, "good.tmpl") || c.Incidents.Dir != filepath.Join(dir, "journals") {
		t.Errorf("%+v %v", c.Incidents, err)
	}
	c, err = Parse(file, []byte("incidents:\n  reportTemplate: bad.tmpl\n"))
	if err == nil || !strings.Contains(err.Error(), "config.yaml:2: incidents.reportTemplate:") || !strings.Contains(err.Error(), "bad.tmpl") || c.Incidents.ReportTemplate != "" {
		t.Errorf("%+v %v", c.Incidents, err)
	}
}
