package diff

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

func open(t *testing.T, c *common.Common, number int64) common.Screen {
	t.Helper()
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	h, err := rollout.GetHistory(context.Background(), d.Deps.Reader, rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"})
	if err != nil {
		t.Fatal(err)
	}
	rev, _ := h.Find(number)
	s, cmd := New(c, h, *rev)
	var sc common.Screen = s.SetSize(c.Width, c.Height-2)
	if v := ansi.Strip(sc.View()); !strings.Contains(v, "Computing the diff") {
		t.Errorf("before the diff arrives:\n%s", v)
	}
	sc, _ = tuitest.Drive(t, sc, tuitest.Run(cmd)...)
	return sc
}

func TestDiffShowsSummaryFirstThenTheUnifiedDiff(t *testing.T) {
	s := open(t, tuitest.Common(120, 40), 5)
	v := ansi.Strip(s.View())
	for _, want := range []string{
		"deployment/checkout: revision 5 → current template (revision 6)",
		"Changes (2):",
		"image  checkout: registry.example.com/shop/checkout:2.14.0 → registry.example.com/shop/checkout:2.15.0",
		`env    checkout PAYMENTS_CLIENT: added "v2"`,
		"--- revision 5", "+++ current template (revision 6)",
		"-    image: registry.example.com/shop/checkout:2.14.0",
		"+    image: registry.example.com/shop/checkout:2.15.0",
	} {
		if !strings.Contains(v, want) {
			t.Errorf("missing %q in\n%s", want, v)
		}
	}
	if strings.Index(v, "Changes (2)") > strings.Index(v, "--- revision 5") {
		t.Error("the summary must come first")
	}
}

func TestDiffScrolls(t *testing.T) {
	s := open(t, tuitest.Common(80, 12), 1)
	first := ansi.Strip(s.View())
	if !strings.Contains(first, "lines 1–") {
		t.Fatalf("no position shown:\n%s", first)
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("pgdown"))
	if v := ansi.Strip(s.View()); v == first || strings.Contains(v, "lines 1–") {
		t.Errorf("pgdown did not scroll:\n%s", v)
	}
	s, _ = tuitest.Drive(t, s, tuitest.Key("home"))
	if v := ansi.Strip(s.View()); v != first {
		t.Errorf("home did not go back to the top:\n%s", v)
	}
	_, root := tuitest.Drive(t, s, tuitest.Key("esc"))
	if len(root) != 1 {
		t.Fatalf("esc: %v", root)
	}
	if _, ok := root[0].(common.BackMsg); !ok {
		t.Errorf("esc sent %#v", root[0])
	}
}

func TestDiffOfTheCurrentRevisionSaysNoDifferences(t *testing.T) {
	s := open(t, tuitest.Common(80, 24), 6)
	if v := ansi.Strip(s.View()); !strings.Contains(v, "no differences") {
		t.Errorf("current against itself:\n%s", v)
	}
}

func TestDiffGoldens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		s := open(t, tuitest.Common(size[0], size[1]), 4)
		tuitest.Golden(t, "diff_"+strconv.Itoa(size[0])+"x"+strconv.Itoa(size[1]), tuitest.ASCII(s.View()))
	}
}
