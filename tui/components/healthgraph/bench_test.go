package healthgraph

import (
	"testing"

	"github.com/charmbracelet/colorprofile"

	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/styles"
)

// BenchmarkRender200x3 draws a 200-cell-wide error-ratio panel with three
// series (the workload, two revisions), thresholds and a marker, in true
// colour, without the frame cache. Target: under 2 ms.
func BenchmarkRender200x3(b *testing.B) {
	p, change := rollout(Points(200))
	c := tuitest.Common(200, 14)
	cat, err := themes.Builtin()
	if err != nil {
		b.Fatal(err)
	}
	th, _ := cat.Resolve("default")
	c.Styles = styles.New(th, true, colorprofile.TrueColor)
	m := New(c, p.Signal)
	m.SetSize(200, 14)
	m.SetPanel(p)
	m.SetThreshold(errorThreshold)
	m.SetMarkers([]Marker{{T: change, Label: "r6"}})
	b.ReportAllocs()
	for b.Loop() {
		_ = m.render()
	}
}
