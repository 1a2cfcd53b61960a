package themes

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBuiltinThemesLoadAndAreComplete(t *testing.T) {
	c, err := Builtin()
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"default", "light", "high-contrast", "production"} {
		th, ok := c.Get(name)
		if !ok {
			t.Fatalf("built-in theme %q missing; have %v", name, c.Names())
		}
		for _, dark := range []bool{true, false} {
			p := th.Palette(dark)
			for _, f := range paletteFields(&p) {
				if !f.opt && *f.ptr == "" {
					t.Errorf("%s (dark=%v): %s empty", name, dark, f.name)
				}
			}
			if len(p.Series) == 0 {
				t.Errorf("%s: no series colours", name)
			}
		}
	}
	prod, _ := c.Get("production")
	if prod.Frame.Border != "thick" || prod.Frame.Label != "PRODUCTION" || prod.Frame.Color != "danger" {
		t.Errorf("production frame = %+v", prod.Frame)
	}
	if prod.Dark.Danger == "" || prod.Dark.Fg != mustGet(t, c, "default").Dark.Fg {
		t.Errorf("production should extend default: %+v", prod.Dark)
	}
}

func mustGet(t *testing.T, c *Catalog, name string) Theme {
	t.Helper()
	th, ok := c.Get(name)
	if !ok {
		t.Fatalf("no theme %q", name)
	}
	return th
}

func TestParseErrorsNameFileLineAndField(t *testing.T) {
	src := `description: broken
palette:
  fg: "#fff"
  muted: "#808080"
  accent: "#12345z"
  success: "2"
  warning: "300"
  danger: "#f00"
  info: "#00f"
  selection: "#333"
  border: "#444"
  series: ["#fff", "nope"]
  sparkle: "#fff"
frame:
  border: wavy
`
	_, err := Parse("/home/u/.config/mayday/themes/mine.yaml", []byte(src), nil)
	if err == nil {
		t.Fatal("expected errors")
	}
	msg := err.Error()
	for _, want := range []string{
		`mine.yaml:5: palette.accent: "#12345z" is not a colour`,
		`mine.yaml:7: palette.warning: "300" is not a colour`,
		`mine.yaml:12: palette.series: colour 2: "nope" is not a colour`,
		`mine.yaml:13: palette.sparkle: unknown setting`,
		`mine.yaml:15: frame.border: "wavy" is not a border`,
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %q:\n%s", want, msg)
		}
	}
}

func TestParseMissingFieldsAndSyntax(t *testing.T) {
	_, err := Parse("x.yaml", []byte("palette:\n  fg: \"#fff\"\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "x.yaml:2: palette.danger: missing") {
		t.Errorf("missing field error = %v", err)
	}
	_, err = Parse("x.yaml", []byte("palette: [\n"), nil)
	if err == nil || !strings.Contains(err.Error(), "x.yaml") || !strings.Contains(err.Error(), "line") {
		t.Errorf("syntax error = %v", err)
	}
	_, err = Parse("x.yaml", []byte("extends: sparkly\n"), map[string]Theme{"default": {}})
	if err == nil || !strings.Contains(err.Error(), `x.yaml:1: extends: "sparkly" is not a built-in theme (built-in: default)`) {
		t.Errorf("extends error = %v", err)
	}
}

func TestUserThemesAndFallback(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("calm.yaml", "extends: default\npalette:\n  accent: \"#00ff00\"\n")
	write("production.yaml", "extends: default\npalette:\n  accent: 999\n")
	write("broken.yaml", "palette: {fg: 1}\n")
	write("notes.txt", "ignored")

	c, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Problems) != 2 {
		t.Fatalf("problems = %v", c.Problems)
	}
	calm, err := c.Resolve("calm")
	if err != nil || calm.Dark.Accent != "#00ff00" || calm.Dark.Danger == "" || calm.Source != filepath.Join(dir, "calm.yaml") {
		t.Errorf("calm = %+v, %v", calm, err)
	}
	// A broken override of a built-in keeps the built-in (production must
	// still look like production), and says why.
	prod, err := c.Resolve("production")
	if err == nil || !strings.Contains(err.Error(), "production.yaml:3: palette.accent") || prod.Frame.Label != "PRODUCTION" {
		t.Errorf("production = %+v, %v", prod.Frame, err)
	}
	def, err := c.Resolve("broken")
	if err == nil || def.Name != Default || !strings.Contains(err.Error(), "broken.yaml") {
		t.Errorf("broken = %s, %v", def.Name, err)
	}
	def, err = c.Resolve("nosuch")
	if err == nil || def.Name != Default || !strings.Contains(err.Error(), "available: calm, default") {
		t.Errorf("unknown = %s, %v", def.Name, err)
	}
	if th, err := c.Resolve(""); err != nil || th.Name != Default {
		t.Errorf("empty name = %s, %v", th.Name, err)
	}
}

func TestLoadMissingDirIsFine(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope"))
	if err != nil || len(c.Problems) != 0 {
		t.Fatalf("%v %v", err, c.Problems)
	}
}

func TestValidColor(t *testing.T) {
	for _, ok := range []string{"#fff", "#A0b1C2", "0", "255"} {
		if err := ValidColor(ok, false); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	for _, bad := range []string{"", "#ff", "#gggggg", "256", "-1", "red"} {
		if ValidColor(bad, false) == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
