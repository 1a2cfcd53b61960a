package finder

import (
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/workload"
)

func newFinder(t testing.TB, rows []workload.Row, w, h int) Model {
	t.Helper()
	m := New(tuitest.Common(w, h))
	m.SetSize(w, h)
	m, cmd := m.SetRows(rows, true)
	if cmd != nil {
		t.Fatal("no query: SetRows must not filter")
	}
	return m
}

// send delivers a message, then runs every command it returns and feeds
// their messages back, as the program would.
func send(m Model, msgs ...tea.Msg) (Model, []tea.Msg) {
	var out []tea.Msg
	for _, msg := range msgs {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		for _, res := range tuitest.Run(cmd) {
			if f, ok := res.(FilteredMsg); ok {
				m, _ = m.Update(f)
				continue
			}
			out = append(out, res)
		}
	}
	return m, out
}

func typeKeys(m Model, s string) Model {
	for _, k := range tuitest.Type(s) {
		m, _ = send(m, k)
	}
	return m
}

func plain(s string) string { return ansi.Strip(s) }

func TestTypingFiltersAndHighlights(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m = typeKeys(m, "chk")
	if !m.Focused() || m.Query() != "chk" {
		t.Fatalf("focused=%v query=%q", m.Focused(), m.Query())
	}
	if m.Len() != 1 {
		t.Fatalf("matches = %d, want 1 (checkout)", m.Len())
	}
	r, _ := m.Selected()
	if r.Ref.Name != "checkout" {
		t.Errorf("selected %s", r.Ref.Name)
	}
	// The matched characters c, h, k are underlined (the Match style).
	view := tuitest.ASCII(m.View())
	if !strings.Contains(view, "4;7;4mc") || !strings.Contains(view, "4;7;4mh") || !strings.Contains(view, "4;7;4mk") {
		t.Errorf("no highlighted match in view:\n%q", view)
	}
	if !strings.Contains(plain(view), "1 of 7 workloads") {
		t.Errorf("count missing:\n%s", plain(view))
	}
}

func TestEnterOpensTheSelectedWorkload(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m = typeKeys(m, "pay")
	m, msgs := send(m, tuitest.Key("enter"))
	if len(msgs) != 1 {
		t.Fatalf("msgs = %v", msgs)
	}
	open, ok := msgs[0].(common.OpenWorkloadMsg)
	if !ok || open.Ref != (rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "payments"}) {
		t.Errorf("got %#v", msgs[0])
	}
	if m.Focused() {
		t.Error("enter should leave the filter")
	}
}

func TestStaleResultsAreDropped(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m, cmdC := m.Update(tuitest.Key("c"))
	m, cmdCH := m.Update(tuitest.Key("h"))
	if !m.Pending() {
		t.Fatal("a search should be pending")
	}
	// The newer query's answer arrives first, then the older one's.
	resCH := tuitest.Run(cmdCH)
	resC := tuitest.Run(cmdC)
	if len(resCH) != 1 {
		t.Fatalf("newest search gave %v", resCH)
	}
	m, _ = m.Update(resCH[0])
	n := m.Len()
	for _, r := range resC { // a superseded search may give up (no message) or answer late
		m, _ = m.Update(r)
	}
	if m.Len() != n || m.Query() != "ch" || m.Pending() {
		t.Errorf("stale result applied: len %d→%d query %q pending %v", n, m.Len(), m.Query(), m.Pending())
	}
	if len(resC) == 1 {
		if f := resC[0].(FilteredMsg); f.query != "c" {
			t.Errorf("old result query %q", f.query)
		}
	}
}

func TestSupersededSearchGivesUp(t *testing.T) {
	m := newFinder(t, tuitest.Rows(20000, false), 80, 24)
	m, cmd := m.Update(tuitest.Key("c"))
	_, _ = m.Update(tuitest.Key("x")) // a newer query: the "c" search is stale
	if msgs := tuitest.Run(cmd); len(msgs) != 0 {
		t.Errorf("superseded search still answered: %d messages", len(msgs))
	}
}

func TestBackspaceUsesCacheAndEscapeKeepsThenClears(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m = typeKeys(m, "ch")
	before := m.Len()
	m = typeKeys(m, "k")
	m, cmd := m.Update(tuitest.Key("backspace"))
	if cmd != nil || m.Pending() || m.Len() != before {
		t.Errorf("backspace to a cached query should be instant: cmd=%v pending=%v len=%d want %d", cmd != nil, m.Pending(), m.Len(), before)
	}
	m, _ = send(m, tuitest.Key("esc"))
	if m.Focused() || m.Query() != "ch" {
		t.Errorf("esc while typing: focused=%v query=%q", m.Focused(), m.Query())
	}
	m, msgs := send(m, tuitest.Key("esc"))
	if m.Query() != "" || m.Len() != 7 || len(msgs) != 0 {
		t.Errorf("second esc: query=%q len=%d msgs=%v", m.Query(), m.Len(), msgs)
	}
	// With nothing to clear, esc asks to go back.
	_, msgs = send(m, tuitest.Key("esc"))
	if len(msgs) != 1 {
		t.Fatalf("third esc: %v", msgs)
	}
	if _, ok := msgs[0].(common.BackMsg); !ok {
		t.Errorf("third esc: %#v", msgs[0])
	}
}

func TestNavigationAndSelectionSurvivesUpdates(t *testing.T) {
	rows := tuitest.Rows(500, false)
	m := newFinder(t, rows, 80, 24)
	m, _ = send(m, tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("pgdown"))
	sel, _ := m.Selected()
	if m.cursor <= 2 {
		t.Fatalf("cursor = %d", m.cursor)
	}
	// A live update inserts rows before the selection: it stays selected.
	more := append(tuitest.Rows(500, false), workload.Row{Ref: rollout.Ref{Kind: rollout.Deployment, Namespace: "aaa", Name: "first"}, Name: "first", Key: "first"})
	workload.Sort(more)
	m, _ = m.SetRows(more, true)
	if got, _ := m.Selected(); got.Ref != sel.Ref {
		t.Errorf("selection moved from %s to %s", sel.Ref, got.Ref)
	}
	m, _ = send(m, tuitest.Key("end"))
	if m.cursor != m.Len()-1 || m.offset+m.listHeight() != m.Len() {
		t.Errorf("end: cursor %d offset %d len %d", m.cursor, m.offset, m.Len())
	}
	m, _ = send(m, tuitest.Key("home"), tuitest.Key("up"))
	if m.cursor != 0 || m.offset != 0 {
		t.Errorf("home: cursor %d offset %d", m.cursor, m.offset)
	}
}

func TestTypeToFilterAndSlash(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m, _ = send(m, tuitest.Key("/"))
	if !m.Focused() || m.Query() != "" {
		t.Fatalf("/ should focus an empty filter: %v %q", m.Focused(), m.Query())
	}
	m, _ = send(m, tuitest.Key("esc"))
	m, _ = send(m, tuitest.Key("l")) // an unbound letter starts filtering with it
	if !m.Focused() || m.Query() != "l" {
		t.Errorf("type-to-filter: %v %q", m.Focused(), m.Query())
	}
	m, _ = send(m, tea.PasteMsg{Content: "edg\x1b[31m"})
	if m.Query() != "ledg[31m" {
		t.Errorf("paste must drop control characters: %q", m.Query())
	}
	m, _ = send(m, tuitest.Key("ctrl+u"))
	if m.Query() != "" || m.Len() != 7 {
		t.Errorf("ctrl+u: %q %d", m.Query(), m.Len())
	}
}

func TestNewRowsWhileFilteringAreFilteredToo(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m = typeKeys(m, "pay")
	rows := append(tuitest.Shop(), workload.Row{Ref: rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "payouts"}, Namespace: "shop", Name: "payouts", Key: "payouts"})
	workload.Sort(rows)
	m, cmd := m.SetRows(rows, true)
	if cmd == nil || m.Len() != 1 {
		t.Fatalf("the old matches stay on screen until the new ones arrive: cmd=%v len=%d", cmd != nil, m.Len())
	}
	m, _ = send(m, tuitest.Run(cmd)[0])
	if m.Len() != 2 {
		t.Errorf("len = %d, want payments and payouts", m.Len())
	}
}

func TestClusterStringsAreEscaped(t *testing.T) {
	evil := workload.Row{Ref: rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "x\x1b]0;pwned\x07"},
		Namespace: "shop", Name: `x\x1b]0;pwned\x07`, Key: `x\x1b]0;pwned\x07`, Phase: rollout.PhaseComplete, Message: `ok\x1b[2J`}
	m := newFinder(t, []workload.Row{evil}, 80, 10)
	v := m.View()
	if strings.Contains(v, "\x1b]") || strings.Contains(v, "\x07") || strings.Contains(v, "\x1b[2J") {
		t.Errorf("control sequence reached the view: %q", v)
	}
}

func TestEmptyAndLoadingStates(t *testing.T) {
	m := New(tuitest.Common(80, 24))
	m.SetSize(80, 10)
	if v := plain(m.View()); !strings.Contains(v, "Loading workloads") {
		t.Errorf("loading view:\n%s", v)
	}
	m.SetNotice(`deployments.apps is forbidden: User "x" cannot list resource "deployments" in namespace "shop"`)
	m, _ = m.SetRows(nil, true)
	v := plain(m.View())
	if !strings.Contains(v, `No Deployments, StatefulSets or DaemonSets in namespace "shop"`) || !strings.Contains(v, "forbidden") {
		t.Errorf("empty view:\n%s", v)
	}
	m, _ = m.SetRows(tuitest.Shop(), true)
	m = typeKeys(m, "zzz")
	if v := plain(m.View()); !strings.Contains(v, `No workload matches "zzz"`) {
		t.Errorf("no-match view:\n%s", v)
	}
}

func TestAnySizeRenders(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	m = typeKeys(m, "e")
	for w := 0; w <= 130; w += 1 {
		for _, h := range []int{0, 1, 2, 3, 4, 5, 6, 7, 24, 60} {
			m.SetSize(w, h)
			v := m.View()
			lines := strings.Split(v, "\n")
			if w == 0 || h == 0 {
				if v != "" {
					t.Fatalf("%dx%d: want empty view, got %q", w, h, v)
				}
				continue
			}
			if len(lines) != h {
				t.Fatalf("%dx%d: %d lines", w, h, len(lines))
			}
			for _, l := range lines {
				if got := ansi.StringWidth(l); got != w {
					t.Fatalf("%dx%d: line width %d: %q", w, h, got, l)
				}
			}
		}
	}
}

func TestGoldenViews(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		name := func(s string) string { return s + "_" + itoa(size.w) + "x" + itoa(size.h) }
		m := newFinder(t, tuitest.Shop(), size.w, size.h)
		tuitest.Golden(t, name("shop"), tuitest.ASCII(m.View()))

		f := typeKeys(m, "chk")
		tuitest.Golden(t, name("filtered_chk"), tuitest.ASCII(f.View()))

		c := tuitest.Common(size.w, size.h)
		c.Namespace = ""
		all := New(c)
		all.SetSize(size.w, size.h)
		all, _ = all.SetRows(tuitest.Rows(300, true), true)
		all, _ = send(all, tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("down"))
		tuitest.Golden(t, name("all_namespaces"), tuitest.ASCII(all.View()))
		all = typeKeys(all, "t07/ord")
		tuitest.Golden(t, name("all_namespaces_filtered"), tuitest.ASCII(all.View()))
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// Enter typed before the search for the query finished opens the best
// match of that query, not the row the stale list had selected.
func TestEnterWhileFilteringOpensTheNewBestMatch(t *testing.T) {
	m := newFinder(t, tuitest.Shop(), 80, 24)
	var cmds []tea.Cmd
	for _, k := range tuitest.Type("chk") {
		var cmd tea.Cmd
		m, cmd = m.Update(k)
		cmds = append(cmds, cmd)
	}
	m, cmd := m.Update(tuitest.Key("enter"))
	if cmd != nil {
		t.Fatal("enter while the search runs must wait for it")
	}
	var opened []tea.Msg
	for _, c := range cmds {
		for _, res := range tuitest.Run(c) {
			var next tea.Cmd
			m, next = m.Update(res)
			opened = append(opened, tuitest.Run(next)...)
		}
	}
	if len(opened) != 1 || opened[0].(common.OpenWorkloadMsg).Ref.Name != "checkout" {
		t.Fatalf("opened %v", opened)
	}
}
