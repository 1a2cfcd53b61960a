package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseFullExample(t *testing.T) {
	// The sample in docs/config.md must stay valid.
	data, err := os.ReadFile("../../docs/config.md")
	if err != nil {
		t.Fatal(err)
	}
	sample := between(t, string(data), "```yaml\n", "```")
	c, err := Parse("config.yaml", []byte(sample))
	if err != nil {
		t.Fatalf("docs sample is invalid: %v", err)
	}
	if c.Theme != "default" || c.Refresh.Tick != time.Second || c.Refresh.Coalesce != 50*time.Millisecond {
		t.Errorf("config = %+v", c)
	}
	prod := c.For("prod-eu-1")
	if !prod.Production || !prod.ReadOnly || prod.Theme != "production" || prod.Prometheus.URL == "" {
		t.Errorf("prod-eu-1 = %+v", prod)
	}
	if len(c.Keys) == 0 {
		t.Error("no key bindings read")
	}
}

func between(t *testing.T, s, start, end string) string {
	t.Helper()
	i := strings.Index(s, start)
	if i < 0 {
		t.Fatalf("no %q", start)
	}
	s = s[i+len(start):]
	j := strings.Index(s, end)
	if j < 0 {
		t.Fatalf("no %q", end)
	}
	return s[:j]
}

func TestErrorsNameTheLine(t *testing.T) {
	src := `theme: "bad name!"
contexts:
  staging:
    readOnly: maybe
    prodution: true
  prod-*:
    prometheus:
      url: ftp://x
keys:
  open: [enter]
  finder.open: [enter, "  "]
refresh:
  tick: 10ms
  coalesce: soon
colour: red
`
	c, err := Parse("/cfg/config.yaml", []byte(src))
	if err == nil {
		t.Fatal("expected errors")
	}
	msg := err.Error()
	for _, want := range []string{
		`/cfg/config.yaml:1: theme: "bad name!" is not a theme name`,
		`/cfg/config.yaml:4: contexts.staging.readOnly: expected true or false, got "maybe"`,
		`/cfg/config.yaml:5: contexts.staging.prodution: unknown setting (did you mean "production"?)`,
		`/cfg/config.yaml:8: contexts.prod-*.prometheus.url: "ftp://x" must start with http:// or https://`,
		`/cfg/config.yaml:10: keys.open: name an action as SCREEN.ACTION`,
		`/cfg/config.yaml:11: keys.finder.open: "  " is not a key`,
		`/cfg/config.yaml:13: refresh.tick: 10ms is out of range`,
		`/cfg/config.yaml:14: refresh.coalesce: "soon" is not a duration`,
		`/cfg/config.yaml:15: colour: unknown setting`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("missing %q in:\n%s", want, msg)
		}
	}
	// What was valid is kept, the rest stays at the defaults.
	if c.Refresh.Tick != time.Second || len(c.Contexts) != 2 {
		t.Errorf("partial config = %+v", c)
	}
}

func TestSyntaxErrorHasLine(t *testing.T) {
	_, err := Parse("c.yaml", []byte("theme: default\ncontexts:\n  a: [\n"))
	if err == nil || !strings.Contains(err.Error(), "c.yaml") || !strings.Contains(err.Error(), "line") {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse("c.yaml", []byte("- a\n- b\n"))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:1: expected a mapping") {
		t.Fatalf("err = %v", err)
	}
	_, err = Parse("c.yaml", []byte("theme: a\ntheme: b\n"))
	if err == nil || !strings.Contains(err.Error(), "c.yaml:2: theme: set twice (first on line 1)") {
		t.Fatalf("err = %v", err)
	}
}

func TestEmptyAndMissing(t *testing.T) {
	for _, src := range []string{"", "# nothing\n", "~\n"} {
		c, err := Parse("c.yaml", []byte(src))
		if err != nil || c.Refresh.Tick != time.Second {
			t.Errorf("%q: %+v %v", src, c, err)
		}
	}
	c, err := Load(filepath.Join(t.TempDir(), "none.yaml"))
	if err != nil || c.Path != "" {
		t.Errorf("missing file: %+v %v", c, err)
	}
}

func TestContextResolution(t *testing.T) {
	c, err := Parse("c.yaml", []byte(`
theme: light
contexts:
  prod-*:
    theme: production
    readOnly: true
  prod-eu:
    production: false
  dev:
    theme: high-contrast
`))
	if err != nil {
		t.Fatal(err)
	}
	if s := c.For("prod-us"); !s.ReadOnly || s.Theme != "production" || !s.Production || !strings.Contains(s.ProductionReason, "contains \"prod\"") {
		t.Errorf("prod-us = %+v", s)
	}
	// The exact entry beats the glob, and an explicit false is respected.
	if s := c.For("prod-eu"); s.ReadOnly || s.Production || s.Theme != "light" {
		t.Errorf("prod-eu = %+v", s)
	}
	if s := c.For("dev"); s.Theme != "high-contrast" || s.Production {
		t.Errorf("dev = %+v", s)
	}
	if s := c.For("kind-production"); !s.Production {
		t.Errorf("unconfigured prod context not treated as production: %+v", s)
	}
	if s := c.For("other"); s.Theme != "light" {
		t.Errorf("other = %+v", s)
	}
}

func TestPaths(t *testing.T) {
	p := Paths{ConfigDir: "/c/mayday", StateDir: "/s/mayday"}
	if p.ConfigFile() != "/c/mayday/config.yaml" || p.ThemesDir() != "/c/mayday/themes" || p.LogFile() != "/s/mayday/mayday.log" {
		t.Errorf("%s %s %s", p.ConfigFile(), p.ThemesDir(), p.LogFile())
	}
}
