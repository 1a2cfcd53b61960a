package report

import (
	"testing"
	"time"

	"github.com/mayday-tui/mayday/tui/common"
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

// BenchmarkRedraftArrives10k is what Update does when a new draft and
// its render of a 10,000-record journal arrive (the journal grew): the
// work is in the commands, Update only swaps them in.
func BenchmarkRedraftArrives10k(b *testing.B) {
	in := tuitest.NewIncidents(b, b.TempDir(), "alice")
	inc := tuitest.LongIncident(b, in, 10000)
	c := tuitest.Common(120, 40)
	s, cmd := New(c, Options{Journal: inc.Path, ID: inc.ID, Actor: "alice", Location: time.UTC})
	var sc common.Screen = s.SetSize(120, 38)
	sc, _ = tuitest.Drive(b, sc, tuitest.Run(cmd)...)
	scr := sc.(Screen)
	// A draft and its render, as the commands answer them.
	redraft := scr.draft()
	drafted := redraft().(draftedMsg)
	afterDraft, renderCmd := scr.Update(drafted)
	rendered := tuitest.Run(renderCmd)
	if len(rendered) != 1 {
		b.Fatalf("render: %#v", rendered)
	}
	r := rendered[0].(renderedMsg)
	b.ResetTimer()
	for b.Loop() {
		s := scr
		s.draftSeq = drafted.seq
		next, _ := s.Update(drafted)
		ns := next.(Screen)
		ns.renderSeq = r.seq
		next, _ = ns.Update(r)
		_ = next.View()
	}
	_ = afterDraft
	b.ReportMetric(float64(r.vp.TotalLineCount()), "lines")
}
