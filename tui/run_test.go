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

// unreachable runs the whole program against a server that refuses every
// connection, with the given terminal; quit sends q and waits for Run.
type unreachable struct {
	t    *testing.T
	out  syncBuffer
	in   *io.PipeWriter
	done chan error
}

func runUnreachable(t *testing.T, term string, width int) *unreachable {
	t.Helper()
	in, inW := io.Pipe()
	u := &unreachable{t: t, in: inW, done: make(chan error, 1)}
	client := kubernetes.NewForConfigOrDie(&rest.Config{Host: "http://127.0.0.1:1"})
	go func() {
		u.done <- Run(context.Background(), Deps{Client: client, Context: "unreachable", Namespace: "shop",
			Input: in, Output: &u.out, Env: []string{"TERM=" + term}, Width: width, Height: 24})
	}()
	return u
}

// waitFor polls the output until ok holds; the deadline only bounds a
// broken run.
func (u *unreachable) waitFor(what string, ok func(string) bool) {
	u.t.Helper()
	deadline := time.After(30 * time.Second)
	for !ok(u.out.String()) {
		select {
		case <-deadline:
			u.t.Fatalf("no %s; output so far: %q", what, u.out.String())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func (u *unreachable) quit() {
	u.t.Helper()
	if _, err := u.in.Write([]byte("q")); err != nil {
		u.t.Fatal(err)
	}
	select {
	case err := <-u.done:
		if err != nil {
			u.t.Fatal(err)
		}
	case <-time.After(30 * time.Second):
		u.t.Fatal("q did not quit")
	}
}

// The whole program: Run draws its first frame while the cluster has not
// answered (this client's server refuses every connection), and quits on q.
func TestRunDrawsBeforeTheClusterAnswersAndQuits(t *testing.T) {
	u := runUnreachable(t, "xterm-256color", 80)
	// The status bar says "connecting" until the connection probe has
	// answered, then "disconnected (retrying)": either is honest.
	u.waitFor("first frame", func(out string) bool {
		return strings.Contains(out, "Loading") &&
			(strings.Contains(out, "connecting") || strings.Contains(out, "disconnected (retrying)"))
	})
	u.quit()
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
