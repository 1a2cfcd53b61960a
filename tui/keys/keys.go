// Package keys holds the console's key maps, one per screen, naming
// actions (Open, Rollback) rather than keys. Users rebind actions in the
// config file; read-only mode disables the mutating ones, and a disabled
// binding neither fires nor shows in help (the help screen lists it apart,
// with the reason).
package keys

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	"github.com/mayday-tui/mayday/internal/config"
)

// Global keys work on every screen.
type Global struct {
	Quit      key.Binding
	ForceQuit key.Binding
	Help      key.Binding
	Palette   key.Binding
	Back      key.Binding
}

// Finder is the workload list.
type Finder struct {
	Up          key.Binding
	Down        key.Binding
	PageUp      key.Binding
	PageDown    key.Binding
	Top         key.Binding
	Bottom      key.Binding
	Open        key.Binding
	Filter      key.Binding
	ClearFilter key.Binding
	// Health opens the selected workload's health screen.
	Health key.Binding
	// Decide opens the decision wizard for the selected workload.
	Decide key.Binding
	// OpenIncident opens an incident about the selected workload; Report
	// shows the current incident's report.
	OpenIncident key.Binding
	Report       key.Binding
}

// History is a workload's revision list.
type History struct {
	Up       key.Binding
	Down     key.Binding
	Diff     key.Binding
	Rollback key.Binding
	Health   key.Binding
	// Decide opens the decision wizard for the workload.
	Decide key.Binding
	// OpenIncident opens an incident about the workload; Report shows
	// the current incident's report.
	OpenIncident key.Binding
	Report       key.Binding
}

// Health is a workload's health screen: charts of its signals over a
// window, the verdict and its evidence.
type Health struct {
	// Up and Down select a signal: its chart comes into view and its
	// evidence row shows the full query.
	Up   key.Binding
	Down key.Binding
	// Details shows the selected signal's evidence in full.
	Details key.Binding
	// NextWindow cycles 15m, 1h, 6h, 24h; the others pick one.
	NextWindow key.Binding
	Window15m  key.Binding
	Window1h   key.Binding
	Window6h   key.Binding
	Window24h  key.Binding
	// Decide opens the decision wizard for the workload.
	Decide key.Binding
}

// Wizard is the decision wizard: questions pre-answered from evidence,
// the recommendation, and the action's execution and verification.
type Wizard struct {
	// Up and Down choose among a question's answers; on the
	// recommendation they scroll.
	Up   key.Binding
	Down key.Binding
	// Accept takes the chosen answer and goes to the next question.
	Accept key.Binding
	// Previous goes back to the question before (answers can be changed
	// there; the decision is made again).
	Previous key.Binding
	// Skip accepts the evidence's answers up to the next question that
	// needs the engineer, or the recommendation.
	Skip key.Binding
	// Execute plans the recommended action (plan, server dry run,
	// confirmation, execution, verification).
	Execute key.Binding
	// Regather reads the evidence again and decides again.
	Regather key.Binding
	PageUp   key.Binding
	PageDown key.Binding
}

// Diff is the diff view (scrolling).
type Diff struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
}

// Rollback is the plan, confirmation and progress of a rollback.
type Rollback struct {
	// Confirm executes the plan shown (in production, after typing the
	// workload's name).
	Confirm key.Binding
	// Cancel leaves without changing anything.
	Cancel   key.Binding
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
}

// Report is the incident report: the draft rendered, scrolled; its
// free-text sections edited in place; the Markdown exported.
type Report struct {
	Up       key.Binding
	Down     key.Binding
	PageUp   key.Binding
	PageDown key.Binding
	Top      key.Binding
	Bottom   key.Binding
	// Edit opens the editor on a free-text section (saved as you type).
	Edit key.Binding
	// Export writes the Markdown next to the journal.
	Export key.Binding
	// NextSection and PreviousSection choose the section being edited.
	NextSection     key.Binding
	PreviousSection key.Binding
}

// IncidentForm opens an incident: title, severity, affected workload.
type IncidentForm struct {
	// Submit opens the incident (and, when one is already current,
	// confirms opening another).
	Submit        key.Binding
	NextField     key.Binding
	PreviousField key.Binding
	// LowerSeverity and RaiseSeverity move between SEV1 and SEV4 while
	// the severity is chosen.
	RaiseSeverity key.Binding
	LowerSeverity key.Binding
}

// Palette is the command palette.
type Palette struct {
	Up   key.Binding
	Down key.Binding
	Run  key.Binding
}

// Map is every key map of one program.
type Map struct {
	Global   Global
	Finder   Finder
	History  History
	Diff     Diff
	Rollback Rollback
	Health   Health
	Wizard   Wizard
	Report   Report
	Incident IncidentForm
	Palette  Palette
	// Disabled lists actions turned off by read-only mode or permissions,
	// for the help screen to explain.
	Disabled []Disabled
}

// Disabled is an action that cannot be used, and why.
type Disabled struct {
	Action string
	Keys   string
	Desc   string
	Reason string
}

func b(desc string, keys ...string) key.Binding {
	return key.NewBinding(key.WithKeys(keys...), key.WithHelp(helpKeys(keys), desc))
}

// Default returns the built-in bindings.
func Default() Map {
	return Map{
		Global: Global{
			Quit:      b("quit", "q"),
			ForceQuit: b("quit from anywhere", "ctrl+c"),
			Help:      b("help", "?"),
			Palette:   b("commands", ":", "ctrl+k"),
			Back:      b("back", "esc"),
		},
		Finder: Finder{
			Up:          b("up", "up", "ctrl+p"),
			Down:        b("down", "down", "ctrl+n"),
			PageUp:      b("page up", "pgup"),
			PageDown:    b("page down", "pgdown"),
			Top:         b("first", "home"),
			Bottom:      b("last", "end"),
			Open:        b("open history", "enter"),
			Filter:      b("filter", "/"),
			ClearFilter: b("clear filter", "esc"),
			Health:      b("health", "h"),
			Decide:      b("decide", "w"),
			// Short descriptions: the finder's footer must fit 80 columns.
			OpenIncident: b("incident", "n"),
			Report:       b("report", "i"),
		},
		History: History{
			Up:           b("up", "up", "k"),
			Down:         b("down", "down", "j"),
			Diff:         b("diff against current", "d"),
			Rollback:     b("roll back to revision", "r"),
			Health:       b("health", "h"),
			Decide:       b("decide", "w"),
			OpenIncident: b("incident", "n"),
			Report:       b("report", "i"),
		},
		Health: Health{
			Up:         b("previous signal", "up", "k"),
			Down:       b("next signal", "down", "j"),
			Details:    b("full evidence", "enter"),
			NextWindow: b("next window", "t"),
			Window15m:  b("last 15m", "1"),
			Window1h:   b("last 1h", "2"),
			Window6h:   b("last 6h", "3"),
			Window24h:  b("last 24h", "4"),
			Decide:     b("decide", "w"),
		},
		Wizard: Wizard{
			Up:       b("previous answer", "up", "k"),
			Down:     b("next answer", "down", "j"),
			Accept:   b("accept answer", "enter"),
			Previous: b("previous question", "left", "shift+tab"),
			Skip:     b("accept evidence", "tab"),
			Execute:  b("execute", "x"),
			Regather: b("gather again", "r"),
			PageUp:   b("page up", "pgup"),
			PageDown: b("page down", "pgdown"),
		},
		Diff: Diff{
			Up:       b("scroll up", "up", "k"),
			Down:     b("scroll down", "down", "j"),
			PageUp:   b("page up", "pgup", "b"),
			PageDown: b("page down", "pgdown", "space"),
			Top:      b("top", "home", "g"),
			Bottom:   b("bottom", "end", "G"),
		},
		Rollback: Rollback{
			Confirm:  b("confirm rollback", "y", "enter"),
			Cancel:   b("cancel", "n"),
			Up:       b("scroll up", "up", "k"),
			Down:     b("scroll down", "down", "j"),
			PageUp:   b("page up", "pgup"),
			PageDown: b("page down", "pgdown"),
		},
		Report: Report{
			Up:              b("scroll up", "up", "k"),
			Down:            b("scroll down", "down", "j"),
			PageUp:          b("page up", "pgup", "b"),
			PageDown:        b("page down", "pgdown", "space"),
			Top:             b("top", "home", "g"),
			Bottom:          b("bottom", "end", "G"),
			Edit:            b("edit a section", "e"),
			Export:          b("export Markdown", "x"),
			NextSection:     b("next section", "tab"),
			PreviousSection: b("previous section", "shift+tab"),
		},
		Incident: IncidentForm{
			Submit:        b("open the incident", "enter"),
			NextField:     b("next field", "tab", "down"),
			PreviousField: b("previous field", "shift+tab", "up"),
			RaiseSeverity: b("more severe", "left"),
			LowerSeverity: b("less severe", "right"),
		},
		Palette: Palette{
			Up:   b("up", "up", "ctrl+p"),
			Down: b("down", "down", "ctrl+n"),
			Run:  b("run", "enter"),
		},
	}
}

// action is one named, rebindable binding.
type action struct {
	name     string
	scope    string // bindings in one scope must not share keys
	binding  *key.Binding
	mutating bool
}

func (m *Map) actions() []action {
	return []action{
		{"global.quit", "global", &m.Global.Quit, false},
		{"global.forceQuit", "global", &m.Global.ForceQuit, false},
		{"global.help", "global", &m.Global.Help, false},
		{"global.palette", "global", &m.Global.Palette, false},
		{"global.back", "global", &m.Global.Back, false},
		{"finder.up", "finder", &m.Finder.Up, false},
		{"finder.down", "finder", &m.Finder.Down, false},
		{"finder.pageUp", "finder", &m.Finder.PageUp, false},
		{"finder.pageDown", "finder", &m.Finder.PageDown, false},
		{"finder.top", "finder", &m.Finder.Top, false},
		{"finder.bottom", "finder", &m.Finder.Bottom, false},
		{"finder.open", "finder", &m.Finder.Open, false},
		{"finder.filter", "finder", &m.Finder.Filter, false},
		{"finder.clearFilter", "finder", &m.Finder.ClearFilter, false},
		{"finder.health", "finder", &m.Finder.Health, false},
		{"finder.decide", "finder", &m.Finder.Decide, false},
		// Journaling is not a cluster mutation: incidents work read-only.
		{"finder.openIncident", "finder", &m.Finder.OpenIncident, false},
		{"finder.report", "finder", &m.Finder.Report, false},
		{"history.up", "history", &m.History.Up, false},
		{"history.down", "history", &m.History.Down, false},
		{"history.diff", "history", &m.History.Diff, false},
		{"history.rollback", "history", &m.History.Rollback, true},
		{"history.health", "history", &m.History.Health, false},
		{"history.decide", "history", &m.History.Decide, false},
		{"history.openIncident", "history", &m.History.OpenIncident, false},
		{"history.report", "history", &m.History.Report, false},
		{"health.up", "health", &m.Health.Up, false},
		{"health.down", "health", &m.Health.Down, false},
		{"health.details", "health", &m.Health.Details, false},
		{"health.nextWindow", "health", &m.Health.NextWindow, false},
		{"health.window15m", "health", &m.Health.Window15m, false},
		{"health.window1h", "health", &m.Health.Window1h, false},
		{"health.window6h", "health", &m.Health.Window6h, false},
		{"health.window24h", "health", &m.Health.Window24h, false},
		{"health.decide", "health", &m.Health.Decide, false},
		{"wizard.up", "wizard", &m.Wizard.Up, false},
		{"wizard.down", "wizard", &m.Wizard.Down, false},
		{"wizard.accept", "wizard", &m.Wizard.Accept, false},
		{"wizard.previous", "wizard", &m.Wizard.Previous, false},
		{"wizard.skip", "wizard", &m.Wizard.Skip, false},
		// Execute leads to a plan and a confirmation, never straight to a
		// write; read-only mode disables it so the recommendation is
		// shown with the reason execution is refused.
		{"wizard.execute", "wizard", &m.Wizard.Execute, true},
		{"wizard.regather", "wizard", &m.Wizard.Regather, false},
		{"wizard.pageUp", "wizard", &m.Wizard.PageUp, false},
		{"wizard.pageDown", "wizard", &m.Wizard.PageDown, false},
		{"diff.up", "diff", &m.Diff.Up, false},
		{"diff.down", "diff", &m.Diff.Down, false},
		{"diff.pageUp", "diff", &m.Diff.PageUp, false},
		{"diff.pageDown", "diff", &m.Diff.PageDown, false},
		{"diff.top", "diff", &m.Diff.Top, false},
		{"diff.bottom", "diff", &m.Diff.Bottom, false},
		// Confirm is not marked mutating: the flow cannot be entered when
		// rollback is disabled, and the action layer refuses regardless.
		{"rollback.confirm", "rollback", &m.Rollback.Confirm, false},
		{"rollback.cancel", "rollback", &m.Rollback.Cancel, false},
		{"rollback.up", "rollback", &m.Rollback.Up, false},
		{"rollback.down", "rollback", &m.Rollback.Down, false},
		{"rollback.pageUp", "rollback", &m.Rollback.PageUp, false},
		{"rollback.pageDown", "rollback", &m.Rollback.PageDown, false},
		{"report.up", "report", &m.Report.Up, false},
		{"report.down", "report", &m.Report.Down, false},
		{"report.pageUp", "report", &m.Report.PageUp, false},
		{"report.pageDown", "report", &m.Report.PageDown, false},
		{"report.top", "report", &m.Report.Top, false},
		{"report.bottom", "report", &m.Report.Bottom, false},
		{"report.edit", "report", &m.Report.Edit, false},
		{"report.export", "report", &m.Report.Export, false},
		{"report.nextSection", "report", &m.Report.NextSection, false},
		{"report.previousSection", "report", &m.Report.PreviousSection, false},
		{"incident.submit", "incident", &m.Incident.Submit, false},
		{"incident.nextField", "incident", &m.Incident.NextField, false},
		{"incident.previousField", "incident", &m.Incident.PreviousField, false},
		{"incident.raiseSeverity", "incident", &m.Incident.RaiseSeverity, false},
		{"incident.lowerSeverity", "incident", &m.Incident.LowerSeverity, false},
		{"palette.up", "palette", &m.Palette.Up, false},
		{"palette.down", "palette", &m.Palette.Down, false},
		{"palette.run", "palette", &m.Palette.Run, false},
	}
}

// Actions lists the rebindable action names.
func (m *Map) Actions() []string {
	var out []string
	for _, a := range m.actions() {
		out = append(out, a.name)
	}
	return out
}

// Apply rebinds actions from the config. Every problem is reported with
// the config line; the valid bindings are applied regardless.
func (m *Map) Apply(file string, bindings []config.KeyBinding) error {
	acts := m.actions()
	byName := map[string]action{}
	for _, a := range acts {
		byName[a.name] = a
	}
	var errs []string
	rebound := map[string]int{} // action -> config line
	for _, kb := range bindings {
		a, ok := byName[kb.Action]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s:%d: keys.%s: unknown action%s", file, kb.Line, kb.Action, suggest(kb.Action, m.Actions())))
			continue
		}
		desc := a.binding.Help().Desc
		if len(kb.Keys) == 0 {
			*a.binding = key.NewBinding(key.WithHelp("", desc), key.WithDisabled())
		} else {
			*a.binding = key.NewBinding(key.WithKeys(kb.Keys...), key.WithHelp(helpKeys(kb.Keys), desc))
		}
		rebound[a.name] = kb.Line
	}
	// A rebound key that another action of the same screen (or a global
	// one) already uses would make one of them unreachable.
	for _, a := range acts {
		line, ok := rebound[a.name]
		if !ok {
			continue
		}
		for _, k := range a.binding.Keys() {
			for _, o := range acts {
				if o.name == a.name || !o.binding.Enabled() || (o.scope != a.scope && o.scope != "global" && a.scope != "global") {
					continue
				}
				if _, both := rebound[o.name]; both && o.name < a.name {
					continue // report a clash between two rebound actions once
				}
				if slices.Contains(o.binding.Keys(), k) && !sharedByDesign(a.name, o.name) {
					errs = append(errs, fmt.Sprintf("%s:%d: keys.%s: %q is already bound to %s", file, line, a.name, k, o.name))
				}
			}
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// sharedByDesign lists pairs that share a key on purpose: the screen's
// action wins while it applies (esc clears a filter before going back).
func sharedByDesign(a, b string) bool {
	pair := []string{a, b}
	slices.Sort(pair)
	return pair[0] == "finder.clearFilter" && pair[1] == "global.back"
}

func suggest(name string, known []string) string {
	scope, _, _ := strings.Cut(name, ".")
	var same []string
	for _, k := range known {
		if strings.HasPrefix(k, scope+".") {
			same = append(same, k)
		}
	}
	if len(same) == 0 {
		return " (screens: global, finder, history, health, wizard, diff, rollback, report, incident, palette)"
	}
	return " (" + strings.Join(same, ", ") + ")"
}

// SetReadOnly disables every mutating action, remembering why for help.
func (m *Map) SetReadOnly(reason string) {
	for _, a := range m.actions() {
		if a.mutating && a.binding.Enabled() {
			m.Disabled = append(m.Disabled, Disabled{
				Action: a.name, Keys: a.binding.Help().Key, Desc: a.binding.Help().Desc, Reason: reason,
			})
			a.binding.SetEnabled(false)
		}
	}
}

// SetIncidentsUnavailable disables the incident actions of the finder and
// the history (the console has no journal), remembering why for help.
func (m *Map) SetIncidentsUnavailable(reason string) {
	for _, a := range m.actions() {
		switch a.name {
		case "finder.openIncident", "finder.report", "history.openIncident", "history.report":
		default:
			continue
		}
		if a.binding.Enabled() {
			m.Disabled = append(m.Disabled, Disabled{
				Action: a.name, Keys: a.binding.Help().Key, Desc: a.binding.Help().Desc, Reason: reason,
			})
			a.binding.SetEnabled(false)
		}
	}
}

// helpKeys renders keys for help: arrows as glyphs, joined with "/".
func helpKeys(keys []string) string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		switch k {
		case "up":
			k = "↑"
		case "down":
			k = "↓"
		case "left":
			k = "←"
		case "right":
			k = "→"
		}
		out = append(out, k)
	}
	return strings.Join(out, "/")
}

// ShortHelp and FullHelp make each map a help.KeyMap.

func (g Global) ShortHelp() []key.Binding { return []key.Binding{g.Help, g.Palette, g.Quit} }
func (g Global) FullHelp() [][]key.Binding {
	return [][]key.Binding{{g.Help, g.Palette}, {g.Back, g.Quit, g.ForceQuit}}
}

func (f Finder) ShortHelp() []key.Binding {
	return []key.Binding{f.Open, f.Health, f.Decide, f.OpenIncident, f.Report}
}
func (f Finder) FullHelp() [][]key.Binding {
	return [][]key.Binding{{f.Up, f.Down, f.PageUp, f.PageDown, f.Top, f.Bottom},
		{f.Open, f.Health, f.Decide, f.Filter, f.ClearFilter}, {f.OpenIncident, f.Report}}
}

func (h History) ShortHelp() []key.Binding {
	return []key.Binding{h.Diff, h.Rollback, h.Health, h.Decide, h.OpenIncident, h.Report}
}
func (h History) FullHelp() [][]key.Binding {
	return [][]key.Binding{{h.Up, h.Down}, {h.Diff, h.Rollback, h.Health, h.Decide}, {h.OpenIncident, h.Report}}
}

func (h Health) ShortHelp() []key.Binding { return []key.Binding{h.NextWindow, h.Details, h.Decide} }
func (h Health) FullHelp() [][]key.Binding {
	return [][]key.Binding{{h.Up, h.Down, h.Details, h.Decide}, {h.NextWindow, h.Window15m, h.Window1h, h.Window6h, h.Window24h}}
}

func (w Wizard) ShortHelp() []key.Binding {
	return []key.Binding{w.Accept, w.Skip, w.Previous, w.Execute}
}
func (w Wizard) FullHelp() [][]key.Binding {
	return [][]key.Binding{{w.Up, w.Down, w.Accept, w.Previous, w.Skip}, {w.Execute, w.Regather, w.PageUp, w.PageDown}}
}

func (d Diff) ShortHelp() []key.Binding { return []key.Binding{d.PageDown, d.PageUp} }
func (d Diff) FullHelp() [][]key.Binding {
	return [][]key.Binding{{d.Up, d.Down, d.PageUp, d.PageDown, d.Top, d.Bottom}}
}

func (r Rollback) ShortHelp() []key.Binding { return []key.Binding{r.Confirm, r.Cancel} }
func (r Rollback) FullHelp() [][]key.Binding {
	return [][]key.Binding{{r.Confirm, r.Cancel}, {r.Up, r.Down, r.PageUp, r.PageDown}}
}

func (r Report) ShortHelp() []key.Binding { return []key.Binding{r.Edit, r.Export, r.PageDown} }
func (r Report) FullHelp() [][]key.Binding {
	return [][]key.Binding{{r.Up, r.Down, r.PageUp, r.PageDown, r.Top, r.Bottom}, {r.Edit, r.Export}}
}

// ReportEditing is the report's key map while a section is edited.
type ReportEditing Report

func (r ReportEditing) ShortHelp() []key.Binding {
	return []key.Binding{r.NextSection, r.PreviousSection}
}
func (r ReportEditing) FullHelp() [][]key.Binding {
	return [][]key.Binding{{r.NextSection, r.PreviousSection}}
}

func (f IncidentForm) ShortHelp() []key.Binding { return []key.Binding{f.Submit, f.NextField} }
func (f IncidentForm) FullHelp() [][]key.Binding {
	return [][]key.Binding{{f.Submit, f.NextField, f.PreviousField}, {f.RaiseSeverity, f.LowerSeverity}}
}

func (p Palette) ShortHelp() []key.Binding  { return []key.Binding{p.Run} }
func (p Palette) FullHelp() [][]key.Binding { return [][]key.Binding{{p.Up, p.Down, p.Run}} }
