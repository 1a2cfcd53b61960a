package report

import (
	"testing"
	"time"

	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

// BenchmarkRenderScripted is glamour rendering a short report: about
// 10 ms on this machine, which is why rendering runs in a command.
func BenchmarkRenderScripted(b *testing.B) {
	in := tuitest.NewIncidents(b, b.TempDir(), "alice")
	inc := tuitest.ScriptedIncident(b, in)
	d, err := Draft(inc.Path, nil, "", "", tuitest.Now(), time.UTC)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(len(d.Markdown)), "bytes")
	for b.Loop() {
		if _, err := render(d.Markdown, look{width: 120, style: "dark"}); err != nil {
			b.Fatal(err)
		}
	}
}
