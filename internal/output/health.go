package output

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/guptarohit/asciigraph"
	"github.com/mattn/go-runewidth"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// HealthReport is everything `mayday health` found for one workload.
type HealthReport struct {
	Workload rollout.Ref
	Window   time.Duration
	Verdict  metrics.Verdict
	Panels   []metrics.Panel
	// Windows are the revisions' live windows (markers on the charts).
	Windows []rollout.LiveWindow
	// Revisions is each revision's health while it was live.
	Revisions []metrics.RevisionHealth
	// LastKnownGood is the newest earlier revision that was healthy while
	// live (0: none).
	LastKnownGood int64
	// RevisionOf names per-revision series (pod-template-hash → number).
	RevisionOf map[string]int64
}

// HealthDoc is the document `mayday health -o json|yaml` prints.
type HealthDoc struct {
	Kind     string      `json:"kind"` // always "Health"
	Workload WorkloadDoc `json:"workload"`
	Window   string      `json:"window"`
	Source   string      `json:"source"`
	State    string      `json:"state"` // healthy, degraded, critical or unknown
	Reason   string      `json:"reason"`
	At       time.Time   `json:"at"`
	Signals  []SignalDoc `json:"signals"`
	Alerts   []AlertDoc  `json:"alerts"`
	Panels   []PanelDoc  `json:"panels"`
	// Revisions is each revision's health while it was live, oldest first.
	Revisions []RevisionHealthDoc `json:"revisions"`
	// LastKnownGood is the newest earlier revision that was healthy while
	// live; absent when there is none.
	LastKnownGood *int64 `json:"lastKnownGood,omitempty"`
}

// SignalDoc is one signal's evidence. Value is null when there is no
// number (no data, NaN, infinity); ValueText says which.
type SignalDoc struct {
	Signal    string     `json:"signal"`
	State     string     `json:"state"`
	Value     *float64   `json:"value"`
	ValueText string     `json:"valueText"`
	Degraded  *float64   `json:"degraded,omitempty"`
	Critical  *float64   `json:"critical,omitempty"`
	For       string     `json:"for,omitempty"`
	SampledAt *time.Time `json:"sampledAt,omitempty"`
	Query     string     `json:"query"`
	Preset    string     `json:"preset,omitempty"`
	Reason    string     `json:"reason,omitempty"`
}

// AlertDoc is a firing alert that matches the workload.
type AlertDoc struct {
	Name     string            `json:"name"`
	State    string            `json:"state"`
	Labels   map[string]string `json:"labels"`
	ActiveAt time.Time         `json:"activeAt"`
	Summary  string            `json:"summary,omitempty"`
}

// PanelDoc is one queried signal over the window.
type PanelDoc struct {
	Signal string      `json:"signal"`
	Query  string      `json:"query"`
	Start  time.Time   `json:"start"`
	End    time.Time   `json:"end"`
	Step   string      `json:"step"`
	Error  string      `json:"error,omitempty"`
	Series []SeriesDoc `json:"series"`
}

// SeriesDoc is one line: the whole workload (revision absent) or one
// revision's pods. Values are aligned with the panel's steps from Start;
// a missing or non-finite sample is null.
type SeriesDoc struct {
	Revision *int64     `json:"revision,omitempty"`
	Hash     string     `json:"hash,omitempty"`
	Points   []PointDoc `json:"points"`
}

// PointDoc is one sample; V is null for NaN or infinity.
type PointDoc struct {
	T time.Time `json:"t"`
	V *float64  `json:"v"`
}

// RevisionHealthDoc is a revision's health over its live window.
type RevisionHealthDoc struct {
	Revision  int64       `json:"revision"`
	Start     time.Time   `json:"start"`
	End       time.Time   `json:"end"`
	Estimated bool        `json:"startEstimated,omitempty"`
	State     string      `json:"state"`
	Reason    string      `json:"reason"`
	Signals   []SignalDoc `json:"signals"`
}

func finite(v float64) *float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return nil
	}
	return &v
}

func signalDocs(rs []metrics.SignalResult) []SignalDoc {
	out := make([]SignalDoc, 0, len(rs))
	for _, r := range rs {
		d := SignalDoc{Signal: string(r.Signal), State: r.State.String(), Query: r.Query, Preset: r.Preset, Reason: r.Reason}
		if r.HasValue {
			d.Value = finite(r.Value)
			d.ValueText = metrics.FormatValue(r.Signal, r.Value)
		} else {
			d.ValueText = "no data"
		}
		if r.Threshold.Degraded != 0 {
			d.Degraded = finite(r.Threshold.Degraded)
		}
		if r.Threshold.Critical != 0 {
			d.Critical = finite(r.Threshold.Critical)
		}
		if r.Threshold.For > 0 {
			d.For = r.Threshold.For.String()
		}
		if !r.SampledAt.IsZero() {
			t := r.SampledAt.UTC()
			d.SampledAt = &t
		}
		out = append(out, d)
	}
	return out
}

// NewHealthDoc converts a report.
func NewHealthDoc(r HealthReport) HealthDoc {
	v := r.Verdict
	d := HealthDoc{
		Kind: "Health", Workload: workloadDoc(r.Workload), Window: r.Window.String(),
		Source: v.Source, State: v.State.String(), Reason: v.Reason, At: v.At.UTC(),
		Signals: signalDocs(v.Signals), Alerts: []AlertDoc{}, Panels: []PanelDoc{}, Revisions: []RevisionHealthDoc{},
	}
	for _, a := range v.Alerts {
		d.Alerts = append(d.Alerts, AlertDoc{Name: a.Name, State: a.State, Labels: a.Labels, ActiveAt: a.ActiveAt.UTC(), Summary: a.Annotations["summary"]})
	}
	for _, p := range r.Panels {
		pd := PanelDoc{Signal: string(p.Signal), Query: p.Query.Expr, Start: p.Range.Start.UTC(), End: p.Range.End.UTC(),
			Step: p.Range.Step.String(), Series: []SeriesDoc{}}
		if p.Err != nil {
			pd.Error = p.Err.Error()
		}
		for _, s := range p.Series {
			sd := SeriesDoc{Hash: s.Revision, Points: make([]PointDoc, 0, len(s.Points))}
			if n, ok := r.RevisionOf[s.Revision]; ok && s.Revision != "" {
				sd.Revision = &n
			}
			for _, pt := range s.Points {
				sd.Points = append(sd.Points, PointDoc{T: pt.T.UTC(), V: finite(pt.V)})
			}
			pd.Series = append(pd.Series, sd)
		}
		d.Panels = append(d.Panels, pd)
	}
	for _, rh := range r.Revisions {
		d.Revisions = append(d.Revisions, RevisionHealthDoc{
			Revision: rh.Revision, Start: rh.Start.UTC(), End: rh.End.UTC(), Estimated: estimated(r.Windows, rh.Revision),
			State: rh.Verdict.State.String(), Reason: rh.Verdict.Reason, Signals: signalDocs(rh.Verdict.Signals),
		})
	}
	if r.LastKnownGood > 0 {
		n := r.LastKnownGood
		d.LastKnownGood = &n
	}
	return d
}

func estimated(ws []rollout.LiveWindow, rev int64) bool {
	for _, w := range ws {
		if w.Revision == rev {
			return w.Estimated
		}
	}
	return false
}

// stateText pairs the state's glyph and word, coloured when allowed.
func stateText(s metrics.State, st Styles) string {
	t := s.Glyph() + " " + s.String()
	switch s {
	case metrics.Healthy:
		return st.Success(t)
	case metrics.Degraded:
		return st.Warning(t)
	case metrics.Critical:
		return st.Danger(t)
	default:
		return st.Muted(t)
	}
}

func thresholdText(r metrics.SignalResult) string {
	var parts []string
	if r.Threshold.Degraded != 0 {
		parts = append(parts, "> "+metrics.FormatValue(r.Signal, r.Threshold.Degraded)+" degraded")
	}
	if r.Threshold.Critical != 0 {
		parts = append(parts, "> "+metrics.FormatValue(r.Signal, r.Threshold.Critical)+" critical")
	}
	if len(parts) == 0 {
		return "-"
	}
	s := strings.Join(parts, ", ")
	if r.Threshold.For > 0 {
		s += " for " + metrics.ShortDuration(r.Threshold.For)
	}
	return s
}

// PrintHealth prints the verdict, the evidence per signal, the firing
// alerts, a chart per panel with the revision markers, and the revisions'
// health while live.
func PrintHealth(w io.Writer, r HealthReport, o Options) error {
	st := o.Styles()
	now := o.now()
	v := r.Verdict
	fmt.Fprintf(w, "%s in namespace %s, last %s, from %s\n", st.Bold(textsafe.String(r.Workload.String())),
		textsafe.String(r.Workload.Namespace), metrics.ShortDuration(r.Window), textsafe.String(v.Source))
	fmt.Fprintf(w, "%s  %s\n\n", st.Bold(stateText(v.State, st)), textsafe.String(v.Reason))

	if reason, ok := sharedUnknown(v.Signals); ok {
		// Prometheus down, refusing us, or no metrics at all: one line
		// says it; seven identical rows and empty charts would not.
		fmt.Fprintf(w, "every signal is unknown: %s\n", textsafe.String(reason))
		return nil
	}
	t := &table{header: []string{"SIGNAL", "STATE", "VALUE", "THRESHOLD", "AGE", "NOTE"}}
	for _, s := range v.Signals {
		value, ageText := "no data", "-"
		if s.HasValue {
			value = metrics.FormatValue(s.Signal, s.Value)
		}
		if !s.SampledAt.IsZero() {
			ageText = age(s.SampledAt, now)
		}
		t.add(s.Signal.Label(), s.State.Glyph()+" "+s.State.String(), value, thresholdText(s), ageText, textsafe.String(s.Reason))
	}
	if err := t.render(w, o.Width, 5, st); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s\n", st.Header("QUERIES"))
	for _, s := range v.Signals {
		if s.Query == "" {
			continue
		}
		q := s.Query
		if s.Preset != "" {
			q += "  " + st.Muted("("+s.Preset+")")
		}
		fmt.Fprintf(w, "  %s: %s\n", s.Signal.Label(), textsafe.String(q))
	}
	if len(v.Alerts) > 0 {
		fmt.Fprintf(w, "\n%s\n", st.Header("FIRING ALERTS"))
		for _, a := range v.Alerts {
			line := fmt.Sprintf("  %s %s since %s", st.Danger("✗"), textsafe.String(a.Name), age(a.ActiveAt, now))
			if s := a.Annotations["summary"]; s != "" {
				line += ": " + textsafe.String(s)
			}
			fmt.Fprintln(w, line)
		}
	}
	for _, p := range r.Panels {
		fmt.Fprintln(w)
		printChart(w, p, r, o)
	}
	if len(r.Revisions) > 0 {
		fmt.Fprintf(w, "\n%s\n", st.Header("REVISIONS WHILE LIVE"))
		rt := &table{header: []string{"REVISION", "LIVE", "STATE", "ERRORS", "P99", ""}}
		for _, rh := range r.Revisions {
			live := rh.Start.Local().Format("Jan 02 15:04") + " for " + humanDuration(rh.End.Sub(rh.Start))
			if estimated(r.Windows, rh.Revision) {
				live = "~" + live
			}
			mark := ""
			if rh.Revision == r.LastKnownGood {
				mark = "★ last known good"
			}
			rt.add(strconv.FormatInt(rh.Revision, 10), live, rh.Verdict.State.Glyph()+" "+rh.Verdict.State.String(),
				signalValue(rh.Verdict, metrics.ErrorRatio), signalValue(rh.Verdict, metrics.LatencyP99), mark)
		}
		if err := rt.render(w, o.Width, 5, st); err != nil {
			return err
		}
	}
	return nil
}

// sharedUnknown reports whether every signal is unknown for one reason.
func sharedUnknown(rs []metrics.SignalResult) (string, bool) {
	if len(rs) == 0 {
		return "", false
	}
	for _, r := range rs {
		if r.State != metrics.Unknown || r.Reason != rs[0].Reason {
			return "", false
		}
	}
	return rs[0].Reason, true
}

func signalValue(v metrics.Verdict, s metrics.Signal) string {
	for _, r := range v.Signals {
		if r.Signal == s && r.HasValue {
			return metrics.FormatValue(s, r.Value)
		}
	}
	return "-"
}

func humanDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 48*time.Hour:
		return strconv.Itoa(int(d.Hours())) + "h"
	default:
		return strconv.Itoa(int(d.Hours()/24)) + "d"
	}
}

// chartHeight is the rows of a CLI chart: enough to read a step change.
const chartHeight = 8

// printChart draws a panel with asciigraph: the aggregate line, one line
// per revision, the critical threshold as a flat line, and a row of
// revision markers (▲N) under the plot at the steps where revisions
// started.
func printChart(w io.Writer, p metrics.Panel, r HealthReport, o Options) {
	st := o.Styles()
	title := p.Signal.Label()
	if p.Err != nil {
		fmt.Fprintf(w, "%s: %s\n", st.Bold(title), st.Danger("query failed: "+textsafe.String(p.Err.Error())))
		return
	}
	steps := 0
	if p.Range.Step > 0 {
		steps = int(p.Range.End.Sub(p.Range.Start)/p.Range.Step) + 1
	}
	var data [][]float64
	var legends []string
	for _, s := range p.Series {
		line := make([]float64, steps)
		for i := range line {
			line[i] = math.NaN()
		}
		any := false
		for _, pt := range s.Points {
			i := int(pt.T.Sub(p.Range.Start) / p.Range.Step)
			if i >= 0 && i < steps && !math.IsInf(pt.V, 0) && !math.IsNaN(pt.V) {
				line[i] = metrics.ChartValue(p.Signal, pt.V)
				any = true
			}
		}
		if !any {
			continue
		}
		data = append(data, line)
		if s.Revision == "" {
			legends = append(legends, "all pods")
		} else if n, ok := r.RevisionOf[s.Revision]; ok {
			legends = append(legends, "rev "+strconv.FormatInt(n, 10))
		} else {
			legends = append(legends, "pods "+textsafe.String(s.Revision))
		}
	}
	if len(data) == 0 {
		fmt.Fprintf(w, "%s: %s\n", st.Bold(title), st.Muted("no data in the window"))
		return
	}
	opts := []asciigraph.Option{asciigraph.Height(chartHeight), asciigraph.Precision(metrics.ChartPrecision(p.Signal)),
		asciigraph.Caption(title + " (" + metrics.ChartUnit(p.Signal) + ")")}
	if crit := thresholdOf(r.Verdict, p.Signal); crit > 0 {
		line := make([]float64, steps)
		for i := range line {
			line[i] = metrics.ChartValue(p.Signal, crit)
		}
		data = append(data, line)
		legends = append(legends, "critical "+metrics.FormatValue(p.Signal, crit))
	}
	opts = append(opts, asciigraph.SeriesLegends(legends...))
	if o.Color {
		colors := []asciigraph.AnsiColor{asciigraph.Default, asciigraph.Blue, asciigraph.Yellow, asciigraph.Magenta, asciigraph.Cyan}
		sc := make([]asciigraph.AnsiColor, len(data))
		for i := range sc {
			sc[i] = colors[i%len(colors)]
		}
		if thresholdOf(r.Verdict, p.Signal) > 0 {
			sc[len(sc)-1] = asciigraph.Red
		}
		opts = append(opts, asciigraph.SeriesColors(sc...))
	}
	chart := asciigraph.PlotMany(data, opts...)
	if !o.Color {
		chart = stripANSI(chart) // the legend's swatches are coloured regardless
	}
	lines := strings.Split(chart, "\n")
	// The plot starts one cell after the y axis ("┤" or "┼").
	axis := -1
	if len(lines) > 0 {
		for _, mark := range []string{"┤", "┼"} {
			if i := strings.Index(lines[0], mark); i >= 0 {
				axis = runewidth.StringWidth(stripANSI(lines[0][:i])) + 1
				break
			}
		}
	}
	plotRows := chartHeight + 1
	for i, l := range lines {
		fmt.Fprintln(w, l)
		if i == plotRows-1 && axis >= 0 {
			if m := markerRow(p, r.Windows, axis, steps); m != "" {
				fmt.Fprintln(w, st.Warning(m))
			}
			fmt.Fprintln(w, timeRow(p, axis, steps))
		}
	}
}

// markerRow puts ▲N under the step where revision N's window starts.
func markerRow(p metrics.Panel, ws []rollout.LiveWindow, axis, steps int) string {
	row := []rune(strings.Repeat(" ", axis+steps+8*len(ws)))
	used := false
	free := 0 // markers closer than a label's width are set side by side
	for _, win := range ws {
		if win.Start.Before(p.Range.Start) || win.Start.After(p.Range.End) {
			continue
		}
		i := max(axis+int(win.Start.Sub(p.Range.Start)/p.Range.Step), free)
		label := []rune("▲" + strconv.FormatInt(win.Revision, 10))
		free = i + len(label) + 1
		for j, c := range label {
			if i+j < len(row) {
				row[i+j] = c
			}
		}
		used = true
	}
	if !used {
		return ""
	}
	return strings.TrimRight(string(row), " ")
}

// timeRow labels the plot's first and last step with clock times.
func timeRow(p metrics.Panel, axis, steps int) string {
	start := p.Range.Start.Local().Format("15:04")
	end := p.Range.End.Local().Format("15:04")
	gapWidth := max(steps-len(start)-len(end), 1)
	return strings.Repeat(" ", axis) + start + strings.Repeat(" ", gapWidth) + end
}

func thresholdOf(v metrics.Verdict, s metrics.Signal) float64 {
	for _, r := range v.Signals {
		if r.Signal == s {
			return r.Threshold.Critical
		}
	}
	return 0
}

// stripANSI drops colour sequences so widths can be measured.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
