package app

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/demo"
	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/history"
	incidentform "github.com/mayday-tui/mayday/tui/screens/incident"
	"github.com/mayday-tui/mayday/tui/screens/report"
	"github.com/mayday-tui/mayday/tui/workload"
)

// incidentApp is the root model over the shop with the demo's history
// reader and a journal directory of its own; rows may name incidents.
func incidentApp(tb testing.TB, in common.Incidents, rows []workload.Row, w, h int) (Model, *tuitest.Cluster) {
	tb.Helper()
	d := tuitest.NewDemo(tb, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(w, h)
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	cluster := tuitest.NewCluster(rows, d.Deps.Reader)
	m := New(Options{Ctx: d.Deps.Ctx, Cluster: cluster, Common: c, Theme: th, Actions: d.Deps.Actions, Incidents: in})
	m = settle(tb, m, readIncident(in, true)())
	return settle(tb, m, tea.WindowSizeMsg{Width: w, Height: h}, loadWorkloads(cluster, nil, c.Now)()), cluster
}

// settle is step for flows whose commands fsync journals, draft and
// render reports: they may take longer than step's 200 ms on a loaded
// machine. None of them blocks; the ticks these tests send go through
// step, which skips their timers.
func settle(tb testing.TB, m Model, msgs ...tea.Msg) Model {
	tb.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	for i := 0; len(queue) > 0; i++ {
		if i > 1000 {
			tb.Fatal("message loop does not settle")
		}
		next, cmd := m.Update(queue[0])
		queue = queue[1:]
		m = next.(Model)
		queue = append(queue, runWithin(cmd, 10*time.Second)...)
	}
	return m
}

// runWithin runs a command and its batch members, each given d to answer.
func runWithin(cmd tea.Cmd, d time.Duration) []tea.Msg {
	if cmd == nil {
		return nil
	}
	done := make(chan tea.Msg, 1)
	go func() { done <- cmd() }()
	select {
	case msg := <-done:
		switch msg := msg.(type) {
		case nil:
			return nil
		case tea.BatchMsg:
			var out []tea.Msg
			for _, c := range msg {
				out = append(out, runWithin(c, d)...)
			}
			return out
		case tea.QuitMsg, common.TickMsg:
			return nil
		}
		return []tea.Msg{msg}
	case <-time.After(d):
		return nil
	}
}

// later is a tick past the status bar's passing messages.
func later() common.TickMsg {
	return common.TickMsg{Now: tuitest.Now().Add(time.Minute), Health: workload.Health{Connected: true, Synced: true, LastEvent: tuitest.Now().Add(time.Minute)}}
}

func firstLine(m Model) string { return strings.SplitN(screen(m), "\n", 2)[0] }

func TestNOpensAnIncidentFromTheFinder(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home) // the journal's path is shown from ~
	in := tuitest.NewIncidents(t, home+"/incidents", "alice")
	m, _ := incidentApp(t, in, tuitest.Shop(), 120, 40)
	m = settle(t, m, tuitest.Key("down"), tuitest.Key("n")) // checkout
	f, ok := m.Top().(incidentform.Screen)
	if !ok || f.Value() != "checkout errors" || f.Severity() != "SEV2" {
		t.Fatalf("top %T\n%s", m.Top(), screen(m))
	}
	// q and ? are letters in the form.
	m = settle(t, m, msgs(tuitest.Type(" q?"))...)
	if m.Top().(incidentform.Screen).Value() != "checkout errors q?" || m.HelpOpen() {
		t.Fatalf("typing in the form:\n%s", screen(m))
	}
	m = settle(t, m, tuitest.Key("enter"))
	if m.Depth() != 1 {
		t.Fatalf("the form stays open:\n%s", screen(m))
	}
	if v := firstLine(m); !strings.Contains(v, "opened INC-20260314-0926-checkout (journal ~/incidents/INC-20260314-0926-checkout.jsonl)") {
		t.Errorf("status bar: %s", v)
	}
	if in.Opens != 1 {
		t.Fatalf("opens = %d", in.Opens)
	}
	m = step(t, m, later()) // a tick: its timer is skipped
	if v := firstLine(m); !strings.Contains(v, "⚑ INC-20260314-0926-checkout · SEV2 · 0 actions") {
		t.Errorf("status bar after the message: %s", v)
	}
	// n again: the form asks first.
	m = settle(t, m, tuitest.Key("n"))
	if f, ok := m.Top().(incidentform.Screen); !ok || !f.Confirming() {
		t.Fatalf("second incident:\n%s", screen(m))
	}
	m = settle(t, m, tuitest.Key("esc"))
	if m.Depth() != 1 || in.Opens != 1 {
		t.Errorf("esc: depth %d, opens %d", m.Depth(), in.Opens)
	}
}

func TestIncidentsWorkReadOnly(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	c := tuitest.Common(80, 24)
	c.ReadOnly = true
	c.Keys.SetReadOnly("read-only mode (--read-only)")
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	cluster := tuitest.NewCluster(tuitest.Shop(), d.Deps.Reader)
	m := New(Options{Ctx: context.Background(), Cluster: cluster, Common: c, Theme: th, Incidents: in})
	m = settle(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, loadWorkloads(cluster, nil, c.Now)())
	m = settle(t, m, tuitest.Key("enter"), tuitest.Key("n"), tuitest.Key("enter"))
	if cur, ok := in.Current(); !ok || cur.ID != "INC-20260314-0926-catalog" {
		t.Fatalf("read-only: %+v %v\n%s", cur, ok, screen(m))
	}
	if _, ok := m.Top().(history.Screen); !ok {
		t.Errorf("back on the history after opening: %T", m.Top())
	}
}

func TestWithoutJournalNAndISayWhy(t *testing.T) {
	c := tuitest.Common(80, 24)
	cat, _ := themes.Builtin()
	th, _ := cat.Resolve("default")
	cluster := tuitest.NewCluster(tuitest.Shop(), nil)
	m := New(Options{Ctx: context.Background(), Cluster: cluster, Common: c, Theme: th,
		IncidentsReason: "incidents are unavailable: the journal directory /var/lib/mayday is read-only"})
	m = settle(t, m, tea.WindowSizeMsg{Width: 80, Height: 24}, loadWorkloads(cluster, nil, c.Now)())
	for _, k := range []string{"n", "i"} {
		got := settle(t, m, tuitest.Key(k))
		if got.Depth() != 1 || !strings.Contains(firstLine(got), "incidents are unavailable: the journal directory") {
			t.Errorf("%s: %s", k, firstLine(got))
		}
		if f := got.Top().(interface{ CapturesInput() bool }); f.CapturesInput() {
			t.Errorf("%s started the filter", k)
		}
	}
	h := settle(t, m, tuitest.Key("?"))
	if v := screen(h); !strings.Contains(v, "Unavailable") || !strings.Contains(v, "n  incident: incidents are unavailable: the journal directory") {
		t.Errorf("help:\n%s", v)
	}
	p := settle(t, m, tuitest.Key(":"))
	if strings.Contains(screen(p), "incident: ") {
		t.Errorf("the palette offers incidents:\n%s", screen(p))
	}
}

func TestIShowsTheCurrentIncidentsReport(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	m, _ := incidentApp(t, in, tuitest.Shop(), 120, 40)
	got := settle(t, m, tuitest.Key("i"))
	if got.Depth() != 1 || !strings.Contains(firstLine(got), "no incident yet: press n to open one") {
		t.Errorf("no incident: %s", firstLine(got))
	}
	inc := tuitest.ScriptedIncident(t, in)
	m = settle(t, m, readIncident(in, false)())
	m = settle(t, m, tuitest.Key("i"))
	if _, ok := m.Top().(report.Screen); !ok {
		t.Fatalf("top %T\n%s", m.Top(), screen(m))
	}
	if v := screen(m); !strings.Contains(v, "# "+inc.ID+": checkout errors") || !strings.Contains(v, "⚑ "+inc.ID+" · SEV2 · 1 action") {
		t.Errorf("report:\n%s", v)
	}
	// A narrower terminal renders the report again, at its width.
	if v := screen(m); !strings.Contains(v, "share of users affected") {
		t.Fatalf("at 120 columns:\n%s", v)
	}
	narrow := settle(t, m, tea.WindowSizeMsg{Width: 80, Height: 24})
	if v := screen(narrow); strings.Contains(v, "share of users affected") || !regexp.MustCompile(`\|\s+affected`).MatchString(v) {
		t.Errorf("not rendered again at 80 columns:\n%s", v)
	}
	// While editing, q is a letter and esc leaves the editor only; the
	// footer says what works.
	m = settle(t, m, tuitest.Key("e"))
	lines := strings.Split(screen(m), "\n")
	if foot := lines[len(lines)-1]; !strings.Contains(foot, "tab next section") || !strings.Contains(foot, "ctrl+c quit from anywhere") ||
		strings.Contains(foot, "q quit") || strings.Contains(foot, "? help") || strings.Contains(foot, "esc back") {
		t.Errorf("footer while editing: %s", foot)
	}
	m = settle(t, m, msgs(tuitest.Type("q"))...)
	if m.Depth() != 2 || !m.Top().CapturesInput() {
		t.Fatalf("editing: depth %d\n%s", m.Depth(), screen(m))
	}
	m = settle(t, m, tuitest.Key("esc"))
	if m.Depth() != 2 || m.Top().CapturesInput() {
		t.Fatalf("esc in the editor: depth %d", m.Depth())
	}
	m = settle(t, m, tuitest.Key("esc"))
	if m.Depth() != 1 {
		t.Errorf("esc on the report: depth %d", m.Depth())
	}
	// The palette has both entries.
	p := screen(settle(t, m, tuitest.Key(":")))
	if !strings.Contains(p, "incident: open (deployment/catalog)") || !strings.Contains(p, "incident: report") {
		t.Errorf("palette:\n%s", p)
	}
}

// rowsNaming is the shop with checkout annotated with cur, payments with
// an incident kept on another machine, and search with a closed one.
func rowsNaming(cur, closed string) []workload.Row {
	rows := tuitest.Shop()
	for i := range rows {
		switch rows[i].Ref.Name {
		case "checkout":
			rows[i].Incident, rows[i].IncidentBy = cur, "alice"
		case "payments":
			rows[i].Incident, rows[i].IncidentBy = "INC-20260314-0811-payments", "bob"
		case "search":
			rows[i].Incident, rows[i].IncidentBy = closed, "carol"
		}
	}
	return rows
}

func TestInProgressOnAffectedWorkloads(t *testing.T) {
	dir := t.TempDir()
	in := tuitest.NewIncidents(t, dir, "alice")
	// An earlier incident about search, closed.
	old, err := journal.Open(dir, journal.Opened{Title: "search slow", Workloads: []journal.Workload{{Namespace: "shop", Name: "deployment/search"}}}, in.Options())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := old.CloseIncident("carol", "fixed"); err != nil {
		t.Fatal(err)
	}
	_ = old.Close()
	inc := tuitest.ScriptedIncident(t, in)
	for _, size := range [][2]int{{120, 40}, {80, 24}} {
		m, _ := incidentApp(t, in, rowsNaming(inc.ID, old.ID()), size[0], size[1])
		m = settle(t, m, tuitest.Key("down"))
		v := screen(m)
		for _, want := range []string{"checkout ⚑", "payments ⚑", "deployment/checkout: ⚑ " + inc.ID + " in progress by alice"} {
			if !strings.Contains(v, want) {
				t.Errorf("%v: missing %q in\n%s", size, want, v)
			}
		}
		if strings.Contains(v, "search ⚑") {
			t.Errorf("%v: a closed incident is marked:\n%s", size, v)
		}
		tuitest.Golden(t, "app_incident_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(m.Render()))
		h := settle(t, m, tuitest.Key("enter"))
		if _, ok := h.Top().(history.Screen); !ok {
			t.Fatalf("top %T", h.Top())
		}
		if v := screen(h); !strings.Contains(v, "⚑ "+inc.ID+" in progress by alice, 1 action") {
			t.Errorf("%v: history:\n%s", size, v)
		}
		tuitest.Golden(t, "app_incident_history_"+itoa(size[0])+"x"+itoa(size[1]), tuitest.ASCII(h.Render()))
		// payments: the journal is elsewhere.
		p := settle(t, m, msgs(tuitest.Type("paym"))...)
		p = settle(t, p, tuitest.Key("enter"))
		if v := screen(p); !strings.Contains(v, "⚑ INC-20260314-0811-payments by bob (journal not on this machine)") {
			t.Errorf("%v: payments' history:\n%s", size, v)
		}
	}
	// Closing the current incident takes its marks away.
	if _, err := in.Journal().CloseIncident("alice", "rolled back"); err != nil {
		t.Fatal(err)
	}
	m, _ := incidentApp(t, in, rowsNaming(inc.ID, old.ID()), 120, 40)
	if v := screen(m); strings.Contains(v, "checkout ⚑") || !strings.Contains(v, "payments ⚑") {
		t.Errorf("after closing:\n%s", v)
	}
}

func TestUnknownOutcomeNoticeAtStart(t *testing.T) {
	dir := t.TempDir()
	in := tuitest.NewIncidents(t, dir, "alice")
	// An earlier session sent a rollback and stopped before its result.
	j, err := journal.Open(dir, journal.Opened{Title: "checkout errors", Workloads: []journal.Workload{{Namespace: "shop", Name: "deployment/checkout"}}}, in.Options())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Intent(context.Background(), journal.Action{Action: "undo", Workload: journal.Workload{Namespace: "shop", Name: "deployment/checkout"}, Description: "roll back to revision 5"}); err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	m, _ := incidentApp(t, in, tuitest.Shop(), 120, 40)
	if v := screen(m); !strings.Contains(v, "⚠ 1 action with outcome unknown in INC-20260314-0926-checkout: undo deployment/checkout (roll back to revision 5)") ||
		!strings.Contains(v, "  check the workload before acting on it again (press i for the incident)") {
		t.Errorf("no notice:\n%s", v)
	}
	m = settle(t, m, tuitest.Key("i"))
	r, ok := m.Top().(report.Screen)
	if !ok || r.Journal() != j.File() {
		t.Fatalf("i: %T\n%s", m.Top(), screen(m))
	}
	if v := screen(m); !strings.Contains(v, "outcome unknown") {
		t.Errorf("the report does not say so:\n%s", v)
	}
}

func TestTinyTerminalsWithAnIncident(t *testing.T) {
	in := tuitest.NewIncidents(t, t.TempDir(), "alice")
	inc := tuitest.ScriptedIncident(t, in)
	m, _ := incidentApp(t, in, rowsNaming(inc.ID, ""), 80, 24)
	for name, v := range map[string]Model{
		"finder": m,
		"form":   settle(t, m, tuitest.Key("n")),
		"report": settle(t, m, tuitest.Key("i")),
		"editor": settle(t, m, tuitest.Key("i"), tuitest.Key("e")),
	} {
		for _, s := range [][2]int{{20, 5}, {10, 3}, {1, 1}, {0, 0}, {200, 60}, {80, 24}} {
			out := settle(t, v, tea.WindowSizeMsg{Width: s[0], Height: s[1]}).Render()
			if s[0] == 0 || s[1] == 0 {
				continue
			}
			lines := strings.Split(out, "\n")
			if len(lines) != s[1] {
				t.Errorf("%s %v: %d lines", name, s, len(lines))
			}
			for _, l := range lines {
				if w := ansi.StringWidth(l); w > s[0] {
					t.Errorf("%s %v: line of %d cells", name, s, w)
					break
				}
			}
		}
	}
}

func TestReconcileFromThePaletteClearsTheNotice(t *testing.T) {
	dir := t.TempDir()
	in := tuitest.NewIncidents(t, dir, "alice")
	// checkout is still at the resourceVersion the lost write was guarded
	// by: reading it back shows the change did not land.
	in.Client = fake.NewClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "checkout", Namespace: "shop", ResourceVersion: "41"}})
	w := journal.Workload{Namespace: "shop", Name: "deployment/checkout"}
	j, err := journal.Open(dir, journal.Opened{Title: "checkout errors", Workloads: []journal.Workload{w}}, in.Options())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Intent(context.Background(), journal.Action{Action: "undo", Workload: w, Description: "roll back to revision 5", ResourceVersion: "41"}); err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	m, _ := incidentApp(t, in, tuitest.Shop(), 120, 40)
	if !strings.Contains(screen(m), "outcome unknown") {
		t.Fatalf("no notice:\n%s", screen(m))
	}
	var found bool
	for _, c := range m.incidentCommands() {
		found = found || strings.Contains(c.Title, "reconcile")
	}
	if !found {
		t.Fatal("the palette offers no reconcile")
	}
	m = settle(t, m, reconcileMsg{})
	if v := screen(m); strings.Contains(v, "outcome unknown in") || !strings.Contains(v, "reconciled:") {
		t.Errorf("after reconcile:\n%s", v)
	}
	_, recs, _, err := journal.Read(j.File())
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := recs[len(recs)-1].Payload.(journal.Outcome); !ok || o.Status != journal.OutcomeFailed {
		t.Fatalf("journaled %+v", recs[len(recs)-1])
	}
}
