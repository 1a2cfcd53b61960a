package palette

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

type ranMsg struct{ name string }

func items() []common.Command {
	return []common.Command{
		{Title: "Open history of deployment/checkout", Keys: "enter", Msg: ranMsg{"open"}},
		{Title: "Filter workloads", Keys: "/", Msg: ranMsg{"filter"}},
		{Title: "Help", Keys: "?", Msg: ranMsg{"help"}},
		{Title: "Quit", Keys: "q", Msg: ranMsg{"quit"}},
	}
}

func run(t *testing.T, cmd tea.Cmd) tea.Msg {
	t.Helper()
	msgs := tuitest.Run(cmd)
	if len(msgs) != 1 {
		t.Fatalf("messages = %v", msgs)
	}
	return msgs[0]
}

func TestFuzzyChooseRuns(t *testing.T) {
	m := New(tuitest.Common(80, 24), items())
	m.SetSize(80, 20)
	for _, k := range tuitest.Type("hlp") {
		m, _ = m.Update(k)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "▸ Help") {
		t.Errorf("help not first:\n%s", v)
	}
	_, cmd := m.Update(tuitest.Key("enter"))
	chosen, ok := run(t, cmd).(ChosenMsg)
	if !ok || chosen.Command.Msg != (ranMsg{"help"}) {
		t.Errorf("chose %#v", chosen)
	}
}

func TestNavigateAndClose(t *testing.T) {
	m := New(tuitest.Common(80, 24), items())
	m.SetSize(80, 20)
	m, _ = m.Update(tuitest.Key("down"))
	m, _ = m.Update(tuitest.Key("down"))
	m, _ = m.Update(tuitest.Key("up"))
	_, cmd := m.Update(tuitest.Key("enter"))
	if c := run(t, cmd).(ChosenMsg); c.Command.Msg != (ranMsg{"filter"}) {
		t.Errorf("chose %#v", c)
	}
	_, cmd = m.Update(tuitest.Key("esc"))
	if _, ok := run(t, cmd).(ClosedMsg); !ok {
		t.Error("esc should close")
	}
	_, cmd = m.Update(tuitest.Key("backspace"))
	if _, ok := run(t, cmd).(ClosedMsg); !ok {
		t.Error("backspace on an empty query should close")
	}
	for _, k := range tuitest.Type("zzzz") {
		m, _ = m.Update(k)
	}
	if v := ansi.Strip(m.View()); !strings.Contains(v, "no matching command") {
		t.Errorf("no match:\n%s", v)
	}
	if _, cmd = m.Update(tuitest.Key("enter")); cmd != nil {
		t.Error("enter with nothing listed must do nothing")
	}
}

func TestTinySizes(t *testing.T) {
	m := New(tuitest.Common(80, 24), items())
	for _, s := range [][2]int{{0, 0}, {1, 1}, {7, 2}, {20, 5}, {200, 60}} {
		m.SetSize(s[0], s[1])
		if w := ansi.StringWidth(strings.Split(m.View(), "\n")[0]); w > max(s[0], 0) && s[0] < 8 {
			t.Errorf("%v: %d cells", s, w)
		}
	}
}
