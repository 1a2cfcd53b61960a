package tui

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

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

// The whole program: Run draws its first frame while the cluster has not
// answered (this client's server refuses every connection), and quits on q.
func TestRunDrawsBeforeTheClusterAnswersAndQuits(t *testing.T) {
	in, inW := io.Pipe()
	var out syncBuffer
	done := make(chan error, 1)
	client := kubernetes.NewForConfigOrDie(&rest.Config{Host: "http://127.0.0.1:1"})
	go func() {
		done <- Run(context.Background(), Deps{Client: client, Context: "unreachable", Namespace: "shop",
			Input: in, Output: &out, Env: []string{"TERM=xterm-256color"}, Width: 80, Height: 24})
	}()
	deadline := time.After(10 * time.Second)
	// The status bar says "connecting" until the connection probe has
	// answered, then "disconnected (retrying)": either is honest.
	for !strings.Contains(out.String(), "Loading") ||
		!(strings.Contains(out.String(), "connecting") || strings.Contains(out.String(), "disconnected (retrying)")) {
		select {
		case <-deadline:
			t.Fatalf("no first frame; output so far: %q", out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if _, err := inW.Write([]byte("q")); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("q did not quit")
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
