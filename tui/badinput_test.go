package tui

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/tui/app"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/diff"
	"github.com/mayday-tui/mayday/tui/screens/history"
	"github.com/mayday-tui/mayday/tui/screens/rollback"
	"github.com/mayday-tui/mayday/tui/workload"
)

// An API server that is not there at start: the whole program opens, and
// the status bar says so (the cache probes the server at once, the tick
// reads the state), then keeps running until q.
func TestUnreachableAtStartSaysDisconnected(t *testing.T) {
	u := runUnreachable(t, "xterm", 100)
	u.waitFor("disconnected state", func(out string) bool { return strings.Contains(out, "disconnected (retrying)") })
	u.quit()
}

// demoLoop is the console over the demo cluster's cache, built by
// NewModel as Run builds it, driven like a program.
func demoLoop(t *testing.T, w, h int) *loop {
	t.Helper()
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	b, _ := NewModel(d.Deps.Ctx, Deps{ActionClient: d.Cluster.Client(), Context: "demo", Namespace: demo.Namespace,
		Now: tuitest.Now, NoColor: true}, workload.CacheCluster{Cache: d.Cache})
	l := newLoop(t, d.Deps.Ctx, b.Model)
	l.send(tea.WindowSizeMsg{Width: w, Height: h})
	l.until("the finder to list checkout", time.Minute, shows("checkout"))
	return l
}

// TERM=xterm and TERM=screen (tmux, screen): the colour profile Bubble
// Tea detects from them is applied, and the frame keeps its text and
// glyphs without colour sequences the terminal does not know.
func TestTermXtermAndScreen(t *testing.T) {
	for _, term := range []string{"xterm", "screen"} {
		t.Run(term, func(t *testing.T) {
			p := colorprofile.Env([]string{"TERM=" + term})
			if p == colorprofile.TrueColor {
				t.Fatalf("TERM=%s detected as truecolor", term)
			}
			l := demoLoop(t, 80, 24)
			l.send(tea.ColorProfileMsg{Profile: p})
			l.keys("c", "h", "k", "enter")
			l.until("the history", time.Minute, func(m app.Model) bool {
				h, ok := m.Top().(history.Screen)
				return ok && h.History() != nil
			})
			raw := l.m.Render()
			// What the renderer writes: downsampled to the profile.
			var b strings.Builder
			w := &colorprofile.Writer{Forward: &b, Profile: p}
			if _, err := w.Write([]byte(raw)); err != nil {
				t.Fatal(err)
			}
			written := b.String()
			if strings.Contains(written, "38;2;") || strings.Contains(written, "48;2;") {
				t.Errorf("TERM=%s: 24-bit colour written", term)
			}
			if p < colorprofile.ANSI256 && (strings.Contains(written, "38;5;") || strings.Contains(written, "48;5;")) {
				t.Errorf("TERM=%s (%v): 256-colour sequences written", term, p)
			}
			text := ansi.Strip(written)
			for _, want := range []string{"mayday", "deployment/checkout", "◀ current", "revisions"} {
				if !strings.Contains(text, want) {
					t.Errorf("TERM=%s: %q missing:\n%s", term, want, text)
				}
			}
			if n := len(strings.Split(text, "\n")); n != 24 {
				t.Errorf("TERM=%s: %d lines", term, n)
			}
		})
	}
}

// Every screen of the flow at 20×5 and 0×0 and back: no panic, the frame
// fits, and the screen still works at full size afterwards.
func TestFlowScreensAtTinySizes(t *testing.T) {
	l := demoLoop(t, 120, 40)
	check := func(name string) {
		t.Helper()
		for _, s := range [][2]int{{20, 5}, {0, 0}, {1, 1}, {20, 5}, {120, 40}} {
			l.send(tea.WindowSizeMsg{Width: s[0], Height: s[1]})
			out := l.m.Render()
			if s[0] == 0 {
				if out != "" {
					t.Errorf("%s at 0×0: %q", name, out)
				}
				continue
			}
			lines := strings.Split(out, "\n")
			if len(lines) != s[1] {
				t.Errorf("%s at %v: %d lines", name, s, len(lines))
			}
			for _, line := range lines {
				if ansi.StringWidth(line) > s[0] {
					t.Errorf("%s at %v: line of %d cells: %q", name, s, ansi.StringWidth(line), ansi.Strip(line))
					break
				}
			}
		}
	}
	check("finder")
	l.keys("c", "h", "k", "enter")
	l.until("the history of checkout", time.Minute, func(m app.Model) bool {
		h, ok := m.Top().(history.Screen)
		return ok && h.History() != nil
	})
	check("history")
	l.keys("down", "d")
	l.until("the diff", time.Minute, func(m app.Model) bool { _, ok := m.Top().(diff.Screen); return ok })
	check("diff")
	l.keys("esc")
	l.until("the history again", time.Minute, func(m app.Model) bool { _, ok := m.Top().(history.Screen); return ok })
	l.keys("r")
	l.until("the rollback plan", time.Minute, func(m app.Model) bool {
		rb, ok := m.Top().(rollback.Screen)
		return ok && rb.Phase() != rollback.Planning && rb.Phase() != rollback.DryRunning
	})
	check("rollback")
	if rb := l.m.Top().(rollback.Screen); rb.Phase() != rollback.Confirming {
		t.Errorf("rollback after resizing: phase %v (%v)\n%s", rb.Phase(), rb.Err(), l.screen())
	}
	if v := l.screen(); !strings.Contains(v, "checkout") {
		t.Errorf("back at 120×40:\n%s", v)
	}
}
