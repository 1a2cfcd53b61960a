package app

import (
	"context"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	journal "github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/report"
)

// fixedIncidents is a journal directory whose current incident is one
// journal file, as read once.
type fixedIncidents struct {
	*tuitest.Incidents
	cur journal.Incident
}

func (f fixedIncidents) Current() (journal.Incident, bool) { return f.cur, true }

// tenThousandRecords is a journal directory whose current incident has
// 10,000 records.
func tenThousandRecords(tb testing.TB) fixedIncidents {
	in := tuitest.NewIncidents(tb, tb.TempDir(), "alice")
	return fixedIncidents{Incidents: in, cur: tuitest.LongIncident(tb, in, 10000)}
}

// reportOf10k is the root model at w×h on the report of a 10,000-record
// journal, drafted and rendered (the commands run synchronously here).
func reportOf10k(tb testing.TB, w, h int) Model {
	in := tenThousandRecords(tb)
	cluster := tuitest.NewCluster(tuitest.Shop(), nil)
	c := tuitest.Common(w, h)
	m := New(Options{Ctx: context.Background(), Cluster: cluster, Common: c, Incidents: in})
	m = feed(tb, m, tea.WindowSizeMsg{Width: w, Height: h}, loadWorkloads(cluster, nil, c.Now)(), readIncident(in, false)())
	m = feed(tb, m, tuitest.Key("i"))
	if _, ok := m.Top().(report.Screen); !ok || !strings.Contains(ansi.Strip(m.Render()), "10000 records") {
		tb.Fatalf("report not drafted: top %T\n%s", m.Top(), ansi.Strip(m.Render()))
	}
	return m
}

// BenchmarkReportKeyPress10k is a scrolling key on the report of a
// 10,000-record journal, through the root model, to the rendered frame
// at 120×40. Target: under 16 ms.
func BenchmarkReportKeyPress10k(b *testing.B) {
	m := reportOf10k(b, 120, 40)
	keys := []tea.KeyPressMsg{}
	for range 30 {
		keys = append(keys, tuitest.Key("pgdown"))
	}
	for range 30 {
		keys = append(keys, tuitest.Key("k"))
	}
	keys = append(keys, tuitest.Key("end"), tuitest.Key("home"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, _ := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
	}
}

// BenchmarkReportTypeKey10k is a key typed in the report's editor (the
// text changes, its save is issued as a command) to the frame.
func BenchmarkReportTypeKey10k(b *testing.B) {
	m := reportOf10k(b, 120, 40)
	next, _ := m.Update(tuitest.Key("e"))
	m = next.(Model)
	keys := tuitest.Type("the rollback took three minutes ")
	keys = append(keys, tuitest.Key("enter"))
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		next, _ := m.Update(keys[i%len(keys)])
		m = next.(Model)
		_ = m.View()
	}
}

func TestReportOf10kScrolls(t *testing.T) {
	if testing.Short() {
		t.Skip("drafts and renders a 10,000-record journal")
	}
	m := reportOf10k(t, 120, 40)
	first := ansi.Strip(m.Render())
	m = feed(t, m, tuitest.Key("end"))
	if v := ansi.Strip(m.Render()); v == first || !strings.Contains(v, "### Journal") {
		t.Errorf("end:\n%s", v)
	}
}
