package styles

import (
	"strings"
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/mayday-tui/mayday/themes"
)

func theme(t *testing.T, name string) themes.Theme {
	t.Helper()
	c, err := themes.Builtin()
	if err != nil {
		t.Fatal(err)
	}
	th, err := c.Resolve(name)
	if err != nil {
		t.Fatal(err)
	}
	return th
}

// Without colour, styles carry only attributes: nothing to downsample,
// and emphasis survives NO_COLOR.
func TestASCIIKeepsAttributesOnly(t *testing.T) {
	s := New(theme(t, "default"), true, colorprofile.ASCII)
	for name, out := range map[string]string{
		"selected": s.Selected.Render("x"), "danger": s.Danger.Render("x"),
		"match": s.Match.Render("x"), "badge": s.Badge.Render("x"), "muted": s.Muted.Render("x"),
	} {
		if strings.Contains(out, "38;") || strings.Contains(out, "48;") || strings.Contains(out, "[3") && strings.Contains(out, "m") && strings.Contains(out, ";3") {
			t.Errorf("%s carries colour at ASCII: %q", name, out)
		}
	}
	if !strings.Contains(s.Selected.Render("x"), "7") || !s.Selected.GetReverse() {
		t.Error("selection must be reverse video without colour")
	}
	if !s.Match.GetUnderline() || !s.Danger.GetBold() || !s.Colorless() {
		t.Error("match underline, danger bold")
	}
}

func TestColourProfileUsesThePalette(t *testing.T) {
	th := theme(t, "default")
	dark := New(th, true, colorprofile.TrueColor)
	light := New(th, false, colorprofile.TrueColor)
	if dark.Danger.GetForeground() == nil || dark.Selected.GetBackground() == nil {
		t.Fatal("no colours at TrueColor")
	}
	if dark.Danger.GetForeground() == light.Danger.GetForeground() {
		t.Error("the light variant should change danger")
	}
	if dark.FrameBorder != nil {
		t.Error("default has no frame")
	}
}

func TestProductionFrame(t *testing.T) {
	s := New(theme(t, "production"), true, colorprofile.ANSI256)
	if s.FrameBorder == nil || s.FrameLabel != "PRODUCTION" || s.Frame.GetBorderTopForeground() == nil {
		t.Errorf("frame = %+v %q", s.FrameBorder, s.FrameLabel)
	}
	a := New(theme(t, "production"), true, colorprofile.ASCII)
	if a.FrameBorder == nil || a.FrameLabel != "PRODUCTION" {
		t.Error("the frame and its label must survive NO_COLOR")
	}
}
