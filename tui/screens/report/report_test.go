package report

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/redact"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

const id = "INC-20260314-0926-checkout"

// scripted is a real journal in a temporary directory and the report
// screen on it at w×h.
func scripted(t *testing.T, w, h int) (*tuitest.Incidents, common.Screen) {
	t.Helper()
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	inc := tuitest.ScriptedIncident(t, in)
	return in, open(t, tuitest.Common(w, h), inc.Path)
}

func open(t *testing.T, c *common.Common, path string) common.Screen {
	t.Helper()
	s, cmd := New(c, Options{Journal: path, ID: id, Actor: "alice", Location: time.UTC})
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc
}

func view(s common.Screen) string { return ansi.Strip(s.View()) }

func press(t *testing.T, s common.Screen, names ...string) (common.Screen, []tea.Msg) {
	t.Helper()
	var msgs []tea.Msg
	for _, n := range names {
		msgs = append(msgs, tuitest.Key(n))
	}
	return tuitest.Drive(t, s, msgs...)
}

func typed(t *testing.T, s common.Screen, text string) common.Screen {
	t.Helper()
	for _, k := range tuitest.Type(text) {
		s, _ = tuitest.Drive(t, s, k)
	}
	return s
}

// cliMarkdown is what `mayday report ID` prints for the journal: the same
// steps as cmd/mayday's report command, generated at another time.
func cliMarkdown(t *testing.T, path string) string {
	t.Helper()
	inc, recs, warns, err := journal.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	edits, err := report.LoadEdits(report.EditsPath(path))
	if err != nil {
		t.Fatal(err)
	}
	r, err := report.Draft(inc, recs, report.Analysis{Redactor: redact.New()})
	if err != nil {
		t.Fatal(err)
	}
	r = r.WithEdits(edits)
	r.Generated = time.Date(2031, 1, 2, 3, 4, 5, 0, time.UTC)
	r.Location = time.UTC
	for _, w := range warns {
		r.Journal.Warnings = append(r.Journal.Warnings, w.String())
	}
	md, err := report.Markdown(r, "", "")
	if err != nil {
		t.Fatal(err)
	}
	return string(md)
}

var generated = regexp.MustCompile(`; report generated [^\n]*\.`)

func TestRendersTheJournalsDraft(t *testing.T) {
	_, s := scripted(t, 120, 40)
	v := view(s)
	for _, want := range []string{
		id + " · open · SEV2 · 1 action · 7 records",
		"# " + id + ": checkout errors",
		"## Summary", "| SEV2", "## Timeline", "decision for deployment/checkout: rollback to revision 5",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	for _, l := range strings.Split(s.View(), "\n") {
		if w := ansi.StringWidth(l); w != 120 {
			t.Fatalf("line of %d cells: %q", w, l)
		}
	}
	// Scrolling: the last lines come into view.
	s, _ = press(t, s, "end")
	v = view(s)
	for _, want := range []string{"## Actions taken", "| succeeded", "## Lessons learned", "### Notes", "payments team confirms recovery", "### Journal"} {
		if !strings.Contains(v, want) {
			t.Errorf("end: missing %q in\n%s", want, v)
		}
	}
	s, _ = press(t, s, "home")
	if !strings.Contains(view(s), "lines 1–") {
		t.Errorf("home:\n%s", view(s))
	}
}

func TestEditingLessonsLearnedSavesTheEdits(t *testing.T) {
	in, s := scripted(t, 120, 40)
	path := journal.Path(in.Dir(), id)
	s, _ = press(t, s, "e")
	if !s.CapturesInput() {
		t.Fatal("the editor must capture input")
	}
	if sec, ok := s.(Screen).Editing(); !ok || sec != "summary" {
		t.Fatalf("editing %q %v", sec, ok)
	}
	v := view(s)
	if !strings.Contains(v, "[Summary]") || !strings.Contains(v, "What happened, in two or three sentences") {
		t.Errorf("summary editor:\n%s", v)
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("tab"), tuitest.Key("tab"))
	if sec, _ := s.(Screen).Editing(); sec != "lessons-learned" {
		t.Fatalf("two tabs: %q", sec)
	}
	if v := view(s); !strings.Contains(v, "[Lessons learned]") || !strings.Contains(v, "What went well?") {
		t.Errorf("lessons editor:\n%s", v)
	}
	// q and ? are letters here.
	s = typed(t, s, "Rollback in 3m? quick")
	s, _ = tuitest.Drive(t, s, tuitest.Key("enter"))
	s = typed(t, s, "Alerts fired late")
	edits, err := report.LoadEdits(report.EditsPath(path))
	if err != nil {
		t.Fatal(err)
	}
	if edits.LessonsLearned != "Rollback in 3m? quick\nAlerts fired late" || edits.By != "alice" || edits.Updated.IsZero() || edits.Summary != "" {
		t.Errorf("saved edits: %+v", edits)
	}
	if v := view(s); !strings.Contains(v, "✓ saved 09:26:53") {
		t.Errorf("no save time shown:\n%s", v)
	}
	// shift+tab back to root cause: its (empty) text, then esc leaves.
	s, _ = tuitest.Drive(t, s, tea.KeyPressMsg{Code: tea.KeyTab, Mod: tea.ModShift})
	if sec, _ := s.(Screen).Editing(); sec != "root-cause" {
		t.Fatalf("shift+tab: %q", sec)
	}
	s, root := press(t, s, "esc")
	if s.CapturesInput() || len(root) != 0 {
		t.Fatalf("esc must leave the editor, not the screen: %v", root)
	}
	// Leaving the editor drafts again with the edits.
	s, _ = press(t, s, "end")
	if v := view(s); !strings.Contains(v, "Alerts fired late") {
		t.Errorf("the report does not show the lessons:\n%s", v)
	}
	// Editing again opens the section edited last; its text is the saved one.
	s, _ = press(t, s, "e", "tab")
	if sec, _ := s.(Screen).Editing(); sec != "lessons-learned" {
		t.Fatalf("e, tab: %q", sec)
	}
	if got := s.(Screen).ta.Value(); got != "Rollback in 3m? quick\nAlerts fired late" {
		t.Errorf("editor text %q", got)
	}
}

// Saves are serialised and the newest text wins: keys typed while a save
// is in flight wait, and only the newest edits are written next.
func TestSavesAreSerialisedNewestWins(t *testing.T) {
	in, s := scripted(t, 80, 24)
	path := report.EditsPath(journal.Path(in.Dir(), id))
	s, _ = press(t, s, "e")
	var first tea.Cmd
	saves := 0
	for i, k := range tuitest.Type("abcdef") {
		var cmd tea.Cmd
		s, cmd = s.Update(k)
		if cmd != nil {
			saves++
			if i == 0 {
				first = cmd
			}
		}
	}
	if saves != 1 || !s.(Screen).Saving() {
		t.Fatalf("%d saves started while one was in flight", saves)
	}
	var msgs []tea.Msg
	for _, m := range tuitest.Run(first) {
		msgs = append(msgs, m)
	}
	if e, _ := report.LoadEdits(path); e.Summary != "a" {
		t.Fatalf("first save wrote %q", e.Summary)
	}
	s, _ = tuitest.Drive(t, s, msgs...)
	if e, _ := report.LoadEdits(path); e.Summary != "abcdef" || s.(Screen).Saving() {
		t.Errorf("after the queued save: %q (saving %v)", e.Summary, s.(Screen).Saving())
	}
}

func TestExportEqualsTheCLIsMarkdown(t *testing.T) {
	t.Setenv("HOME", "/home/alice") // the temporary directory is shown in full
	in, s := scripted(t, 120, 40)
	path := journal.Path(in.Dir(), id)
	s, _ = press(t, s, "e", "tab", "tab")
	s = typed(t, s, "Roll back first, ask later.")
	s, _ = press(t, s, "esc", "x")
	file := filepath.Join(in.Dir(), id+".md")
	if v := view(s); !strings.Contains(v, "✓ exported to "+file) {
		t.Errorf("export not shown:\n%s", v)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(got), "\x1b") {
		t.Error("the export holds terminal escapes, not Markdown")
	}
	want := cliMarkdown(t, path)
	if !strings.Contains(string(got), "Roll back first, ask later.") || !generated.MatchString(string(got)) {
		t.Fatalf("export:\n%s", got)
	}
	if g, w := generated.ReplaceAllString(string(got), ""), generated.ReplaceAllString(want, ""); g != w {
		t.Errorf("export differs from mayday report:\n--- export ---\n%s\n--- mayday report ---\n%s", g, w)
	}
}

func TestExportFailureIsShown(t *testing.T) {
	in, s := scripted(t, 120, 40)
	// A directory where the file should go: it cannot be replaced.
	if err := os.Mkdir(filepath.Join(in.Dir(), id+".md"), 0o755); err != nil {
		t.Fatal(err)
	}
	s, _ = press(t, s, "x")
	if v := view(s); !strings.Contains(v, "✗ export failed: ") {
		t.Errorf("failure not shown:\n%s", v)
	}
}

func TestRedraftsWhenTheJournalGrows(t *testing.T) {
	in, s := scripted(t, 120, 40)
	s, _ = tuitest.Drive(t, s, common.TickMsg{Now: tuitest.Now()})
	if v := view(s); !strings.Contains(v, "7 records") {
		t.Fatalf("before:\n%s", v)
	}
	if err := in.Note("rollback verified by the payments team"); err != nil {
		t.Fatal(err)
	}
	s, _ = tuitest.Drive(t, s, common.TickMsg{Now: tuitest.Now()})
	s, _ = press(t, s, "end")
	if v := view(s); !strings.Contains(v, "8 records") || !strings.Contains(v, "rollback verified by the payments team") {
		t.Errorf("after a note:\n%s", v)
	}
}

func TestDamagedEditsRefuseEditing(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	inc := tuitest.ScriptedIncident(t, in)
	editsPath := report.EditsPath(inc.Path)
	if err := os.WriteFile(editsPath, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := open(t, tuitest.Common(120, 40), inc.Path)
	if v := view(s); !strings.Contains(v, id+".report.json is damaged") || !strings.Contains(v, "# "+id) {
		t.Errorf("the draft is shown with the problem:\n%s", v)
	}
	s, _ = press(t, s, "e")
	if s.CapturesInput() || !strings.Contains(view(s), "cannot edit: "+id+".report.json is damaged; move it away to edit the report here") {
		t.Errorf("editing damaged edits:\n%s", view(s))
	}
	if data, _ := os.ReadFile(editsPath); string(data) != "{not json" {
		t.Error("the damaged file was overwritten")
	}
}

func TestMissingJournal(t *testing.T) {
	s := open(t, tuitest.Common(80, 24), filepath.Join(t.TempDir(), id+".jsonl"))
	if v := view(s); !strings.Contains(v, "✗ ") || !strings.Contains(v, id) {
		t.Errorf("missing journal:\n%s", v)
	}
	s, _ = press(t, s, "e", "x")
	if s.CapturesInput() {
		t.Error("editing a report without journal")
	}
}

// The report renders in a command (glamour takes milliseconds); after a
// resize the last render stays on screen until the new one arrives.
func TestRenderingIsOffTheUpdateLoop(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	inc := tuitest.ScriptedIncident(t, in)
	for i := range 50 {
		if err := in.Note("note number " + strconv.Itoa(i) + " about the checkout rollback and what the payments team saw"); err != nil {
			t.Fatal(err)
		}
	}
	c := tuitest.Common(120, 40)
	s, cmd := New(c, Options{Journal: inc.Path, ID: id, Actor: "alice", Location: time.UTC})
	var sc common.Screen = s.SetSize(120, 38)
	drafted := tuitest.Run(cmd)
	sc, cmd = sc.Update(drafted[0])
	if v := view(sc); !strings.Contains(v, "Rendering the report…") {
		t.Errorf("drafted, not rendered yet:\n%s", v)
	}
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	before := view(sc)
	if !strings.Contains(before, "# "+id) {
		t.Fatalf("rendered:\n%s", before)
	}
	sc = sc.SetSize(80, 22)
	if got := view(sc); !strings.Contains(got, "# "+id) || strings.Contains(got, "Rendering") {
		t.Errorf("the last render is not kept while rendering:\n%s", got)
	}
	sc, cmd = sc.(Screen).Relayout()
	msgs := tuitest.Run(cmd)
	if len(msgs) != 1 {
		t.Fatalf("relayout: %#v", msgs)
	}
	if _, ok := msgs[0].(renderedMsg); !ok {
		t.Fatalf("relayout: %#v", msgs[0])
	}
	sc, _ = tuitest.Drive(t, sc, msgs...)
	after := view(sc)
	if after == before || strings.Count(after, "\n") != 21 {
		t.Errorf("not rendered at the new size:\n%s", after)
	}
	for _, l := range strings.Split(sc.View(), "\n") {
		if w := ansi.StringWidth(l); w != 80 {
			t.Fatalf("line of %d cells: %q", w, l)
		}
	}
	// Nothing changed: no render.
	if _, cmd := sc.(Screen).Relayout(); cmd != nil {
		t.Error("rendered again for nothing")
	}
}

func TestGoldensAndTinySizes(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		_, s := scripted(t, size[0], size[1])
		name := strconv.Itoa(size[0]) + "x" + strconv.Itoa(size[1])
		tuitest.Golden(t, "report_"+name, tuitest.ASCII(s.View()))
		s, _ = press(t, s, "e", "tab", "tab")
		s = typed(t, s, "Rollback took 3 minutes.")
		tuitest.Golden(t, "editor_"+name, tuitest.ASCII(s.View()))
		for _, sz := range [][2]int{{20, 5}, {10, 3}, {1, 1}, {0, 0}, {200, 60}} {
			for _, editing := range []bool{true, false} {
				sc := s
				if !editing {
					sc, _ = press(t, s, "esc")
				}
				v := sc.SetSize(sz[0], sz[1]).View()
				if sz[0] > 0 && sz[1] > 0 && strings.Count(v, "\n") != sz[1]-1 {
					t.Errorf("%v: %d lines", sz, strings.Count(v, "\n")+1)
				}
			}
		}
	}
}

// The journal is not stat'ed while editing, and a costly report is
// drafted again at most every four times what it cost.
func TestRedraftsAreSpacedOut(t *testing.T) {
	_, s := scripted(t, 80, 24)
	now := tuitest.Now()
	if _, cmd := s.Update(common.TickMsg{Now: now}); cmd == nil {
		t.Fatal("a tick does not look at the journal")
	}
	editing, _ := press(t, s, "e")
	if _, cmd := editing.Update(common.TickMsg{Now: now}); cmd != nil {
		t.Error("the journal is stat'ed while editing")
	}
	sc := s.(Screen)
	sc.cost, sc.draftAt = 2*time.Second, now
	if _, cmd := sc.Update(common.TickMsg{Now: now.Add(5 * time.Second)}); cmd != nil {
		t.Error("a 2s report drafted again after 5s")
	}
	if _, cmd := sc.Update(common.TickMsg{Now: now.Add(9 * time.Second)}); cmd == nil {
		t.Error("a 2s report not drafted again after 9s")
	}
}
