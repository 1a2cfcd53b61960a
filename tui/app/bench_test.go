package app

import (
	"testing"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

// BenchmarkAppKeyPress5000 is a key press through the root model (global
// key checks, the finder, the status bar, the footer) to the rendered
// frame, with 5,000 workloads at 120×40. Target: well under 16 ms.
func BenchmarkAppKeyPress5000(b *testing.B) {
	m := loaded(b, tuitest.Rows(5000, false), 120, 40)
	keys := []tea.KeyPressMsg{tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("pgdown"), tuitest.Key("up")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		next, _ := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
	}
}
