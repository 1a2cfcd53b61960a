package incident

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

var checkout = rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}

func form(t *testing.T, in common.Incidents, c *common.Common, current *journal.Incident) common.Screen {
	t.Helper()
	s, cmd := New(c, in, checkout, true, current)
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc
}

func view(s common.Screen) string { return ansi.Strip(s.View()) }

func keys(names ...string) []tea.Msg {
	var out []tea.Msg
	for _, n := range names {
		out = append(out, tuitest.Key(n))
	}
	return out
}

func msgs(ks []tea.KeyPressMsg) []tea.Msg {
	out := make([]tea.Msg, len(ks))
	for i, k := range ks {
		out[i] = k
	}
	return out
}

func TestOpensTheIncidentThroughTheJournal(t *testing.T) {
	t.Setenv("HOME", "/home/alice") // paths elsewhere are shown in full
	dir := t.TempDir()
	in := tuitest.NewIncidents(t, dir, "alice")
	s := form(t, in, tuitest.Common(120, 40), nil)
	v := view(s)
	for _, want := range []string{"Title     checkout errors", "[SEV2]", "Workload  shop/deployment/checkout", "Owner     alice", "Journal   " + dir} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	if !s.CapturesInput() {
		t.Error("the title takes letters")
	}
	// Type more, pick SEV1, open.
	s, _ = tuitest.Drive(t, s, msgs(append(tuitest.Type(" on pay"), tuitest.Key("tab"), tea.KeyPressMsg{Code: tea.KeyLeft}, tuitest.Key("enter")))...)
	f := s.(Screen)
	if f.Severity() != "SEV1" || f.Value() != "checkout errors on pay" {
		t.Fatalf("form: %q %s", f.Value(), f.Severity())
	}
	// Drive fed Open's answer back; the form asks the root to close.
	_, cmd := s.Update(openedMsg{}) // a stale answer (seq 0) is ignored
	if cmd != nil {
		t.Error("a stale answer was taken")
	}
	if in.Opens != 1 {
		t.Fatalf("Open called %d times", in.Opens)
	}
	inc, ok := in.Current()
	if !ok || inc.ID != "INC-20260314-0926-checkout" {
		t.Fatalf("current = %+v, %v", inc, ok)
	}
	got, recs, _, err := journal.Read(journal.Path(dir, inc.ID))
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "checkout errors on pay" || got.Severity != "SEV1" || got.Owner != "alice" || len(recs) != 1 ||
		len(got.Workloads) != 1 || got.Workloads[0] != (journal.Workload{Namespace: "shop", Name: "deployment/checkout"}) {
		t.Errorf("journal: %+v (%d records)", got, len(recs))
	}
}

func TestShortPath(t *testing.T) {
	t.Setenv("HOME", "/home/alice")
	for in, want := range map[string]string{
		"/home/alice/.local/share/mayday/incidents/INC-1.jsonl": "~/.local/share/mayday/incidents/INC-1.jsonl",
		"/home/alice":              "~",
		"/home/alicia/x":           "/home/alicia/x",
		"/var/lib/mayday/x\x1b[2J": `/var/lib/mayday/x\x1b[2J`,
	} {
		if got := ShortPath(in); got != want {
			t.Errorf("ShortPath(%q) = %q, want %q", in, got, want)
		}
	}
	t.Setenv("HOME", "/")
	if got := ShortPath("/var/lib/x"); got != "/var/lib/x" {
		t.Errorf("home /: %q", got)
	}
}

func TestSubmitAnswersWithOpenedMsg(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	s := form(t, in, tuitest.Common(80, 24), nil)
	s, cmd := s.Update(tuitest.Key("enter"))
	if v := view(s); !strings.Contains(v, "Opening the incident") {
		t.Errorf("while opening:\n%s", v)
	}
	answer := cmd()
	s, cmd = s.Update(answer)
	if cmd == nil {
		t.Fatal("no message for the root")
	}
	opened, ok := cmd().(OpenedMsg)
	if !ok || opened.Incident.ID != "INC-20260314-0926-checkout" || !strings.HasSuffix(opened.Path, "INC-20260314-0926-checkout.jsonl") {
		t.Errorf("opened: %#v", opened)
	}
}

func TestEmptyTitleIsRefused(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	s := form(t, in, tuitest.Common(80, 24), nil)
	s, _ = tuitest.Drive(t, s, keys("ctrl+u", "space", "enter")...)
	if in.Opens != 0 {
		t.Fatal("an incident without a title was opened")
	}
	if v := view(s); !strings.Contains(v, "✗ a title is required: what is happening, in a few words") {
		t.Errorf("no reason given:\n%s", v)
	}
	s, _ = tuitest.Drive(t, s, keys("x")...)
	if v := view(s); strings.Contains(v, "title is required") {
		t.Errorf("the problem stays after typing:\n%s", v)
	}
}

func TestUnwritableDirectoryIsShown(t *testing.T) {
	// A file where the directory should be: nothing can be created in it.
	file := filepath.Join(t.TempDir(), "incidents")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	in := tuitest.NewIncidents(t, file, "alice")
	s := form(t, in, tuitest.Common(120, 40), nil)
	s, root := tuitest.Drive(t, s, keys("enter")...)
	v := view(s)
	if !strings.Contains(v, "✗ could not open the incident: ") || !strings.Contains(v, "incidents") {
		t.Errorf("error not shown:\n%s", v)
	}
	if _, ok := in.Current(); ok || len(root) != 0 {
		t.Errorf("an incident became current, or the form closed: %v", root)
	}
	// It can be tried again (the form is not stuck in "opening").
	if s.(Screen).opening {
		t.Error("still opening")
	}
}

func TestAsksBeforeASecondIncident(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	first, err := in.Open(journal.Opened{Title: "checkout errors", Severity: "SEV2", Workloads: []journal.Workload{{Namespace: "shop", Name: "deployment/checkout"}}})
	if err != nil {
		t.Fatal(err)
	}
	s := form(t, in, tuitest.Common(80, 24), &first)
	v := view(s)
	if !s.(Screen).Confirming() || !strings.Contains(v, "⚑ INC-20260314-0926-checkout is the current incident") || !strings.Contains(v, "  SEV2 · 0 actions · owner alice") ||
		!strings.Contains(v, "enter/y open a new incident · esc keep INC-20260314-0926-checkout") {
		t.Fatalf("no question:\n%s", v)
	}
	_, root := tuitest.Drive(t, s, keys("esc")...)
	if len(root) != 1 {
		t.Fatalf("esc: %v", root)
	}
	if _, ok := root[0].(common.BackMsg); !ok {
		t.Errorf("esc sent %#v", root[0])
	}
	s, _ = tuitest.Drive(t, s, keys("y")...)
	if s.(Screen).Confirming() || !strings.Contains(view(s), "Title     checkout errors") {
		t.Fatalf("y does not lead to the form:\n%s", view(s))
	}
	s, _ = tuitest.Drive(t, s, keys("ctrl+u")...)
	s, _ = tuitest.Drive(t, s, msgs(append(tuitest.Type("payments too"), tuitest.Key("enter")))...)
	_ = s
	if in.Opens != 2 {
		t.Fatalf("opens = %d", in.Opens)
	}
	cur, _ := in.Current()
	if cur.Title != "payments too" || cur.ID == first.ID {
		t.Errorf("current = %+v", cur)
	}
}

func TestGoldensAndTinySizes(t *testing.T) {
	t.Setenv("HOME", "/home/alice")
	in := tuitest.NewIncidents(t, "/var/lib/mayday/incidents", "alice")
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		c := tuitest.Common(size[0], size[1])
		s := form(t, in, c, nil)
		s, _ = tuitest.Drive(t, s, keys("tab")...)
		tuitest.Golden(t, "form_"+strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), tuitest.ASCII(s.View()))
	}
	s := form(t, in, tuitest.Common(80, 24), &journal.Incident{ID: "INC-20260314-0926-checkout", Severity: "SEV2", Owner: "alice", Actions: 3})
	tuitest.Golden(t, "confirm_80x24", tuitest.ASCII(s.View()))
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {20, 5}, {10, 3}} {
		v := s.SetSize(sz[0], sz[1]).View()
		if sz[0] > 0 && sz[1] > 0 && strings.Count(v, "\n") != sz[1]-1 {
			t.Errorf("%v: %d lines", sz, strings.Count(v, "\n")+1)
		}
		for _, l := range strings.Split(v, "\n") {
			if ansi.StringWidth(l) > sz[0] {
				t.Errorf("%v: line too wide: %q", sz, l)
			}
		}
	}
}
