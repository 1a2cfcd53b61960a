package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

func TestNewModelResolvesSettings(t *testing.T) {
	cfg, err := config.Parse("/c/config.yaml", []byte(`
theme: light
contexts:
  prod-*:
    readOnly: true
  staging:
    theme: high-contrast
keys:
  finder.opne: [o]
`))
	if err != nil {
		t.Fatal(err)
	}
	cluster := tuitest.NewCluster(nil, nil)
	build := func(d Deps) (Built, []string) {
		d.Config = cfg
		b, opts := NewModel(context.Background(), d, cluster)
		return b, opts.Notices
	}
	// A production context without its own theme gets the loud frame, and
	// the config's read-only setting.
	b, notices := build(Deps{Context: "prod-eu"})
	if b.ThemeName() != "production" || !b.ReadOnly() {
		t.Errorf("prod-eu: theme %s readOnly %v", b.ThemeName(), b.ReadOnly())
	}
	if len(notices) != 1 || !strings.Contains(notices[0], "/c/config.yaml:9: keys.finder.opne: unknown action") {
		t.Errorf("notices = %q", notices)
	}
	if b, _ := build(Deps{Context: "staging"}); b.ThemeName() != "high-contrast" || b.ReadOnly() {
		t.Errorf("staging: %s %v", b.ThemeName(), b.ReadOnly())
	}
	if b, _ := build(Deps{Context: "dev"}); b.ThemeName() != "light" {
		t.Errorf("dev: %s", b.ThemeName())
	}
	if b, _ := build(Deps{Context: "prod-eu", Theme: "default", ReadOnly: true}); b.ThemeName() != "default" || !b.ReadOnly() {
		t.Errorf("--theme wins: %s", b.ThemeName())
	}
	b, notices = build(Deps{Context: "dev", Theme: "nosuch", ConfigErr: errors.New("config.yaml:1: bad\x1b[31m")})
	if b.ThemeName() != "default" || len(notices) != 3 || !strings.Contains(notices[1], `unknown theme "nosuch"`) || strings.Contains(notices[0], "\x1b") {
		t.Errorf("fallback: %s %q", b.ThemeName(), notices)
	}
}

func TestUserThemeProblemsAreShown(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "mine.yaml"), []byte("palette: {fg: nope}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, opts := NewModel(context.Background(), Deps{Context: "dev", ThemesDir: dir, Theme: "mine"}, tuitest.NewCluster(nil, nil))
	if b.ThemeName() != "default" || len(opts.Notices) != 2 || !strings.Contains(opts.Notices[0], "mine.yaml:1: palette.fg") {
		t.Errorf("theme %s notices %q", b.ThemeName(), opts.Notices)
	}
}

func TestRunWithoutClient(t *testing.T) {
	if err := Run(context.Background(), Deps{}); err == nil {
		t.Error("Run without a client must fail")
	}
}
