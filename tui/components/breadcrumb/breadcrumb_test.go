package breadcrumb

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

func crumbs() []Crumb {
	return []Crumb{{"issue yes", Done}, {"traffic rolling", Changed}, {"paused no", Done}, {"severity ?", Current}}
}

func TestAllFit(t *testing.T) {
	got := ansi.Strip(Render(tuitest.Common(80, 24), crumbs(), 80))
	if want := "issue yes › traffic rolling* › paused no › [severity ?]"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// Narrow: the oldest crumbs give way, the current one stays whole.
func TestNarrowKeepsTheCurrentStep(t *testing.T) {
	c := tuitest.Common(80, 24)
	for _, w := range []int{50, 30, 16, 5, 1} {
		got := ansi.Strip(Render(c, crumbs(), w))
		if common.Width(got) > w {
			t.Errorf("width %d: %q is %d wide", w, got, common.Width(got))
		}
		if w >= 16 && !strings.HasSuffix(got, "[severity ?]") {
			t.Errorf("width %d: %q lost the current step", w, got)
		}
		if w >= 16 && w < 50 && !strings.HasPrefix(got, "… › ") {
			t.Errorf("width %d: %q does not say steps are hidden", w, got)
		}
	}
	if got := Render(c, nil, 40); got != "" {
		t.Errorf("no crumbs: %q", got)
	}
}
