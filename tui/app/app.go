// Package app is the console's root model: a stack of screens (esc goes
// back), the status bar and footer, the palette and help overlays, global
// keys, and the commands that bring cluster data in. Update does no I/O:
// data arrives as messages from commands that wait on the informer cache
// and are issued again after each message.
package app

import (
	"context"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/components/finder"
	"github.com/mayday-tui/mayday/tui/components/help"
	"github.com/mayday-tui/mayday/tui/components/palette"
	"github.com/mayday-tui/mayday/tui/components/statusbar"
	"github.com/mayday-tui/mayday/tui/screens/health"
	"github.com/mayday-tui/mayday/tui/screens/history"
	incidentform "github.com/mayday-tui/mayday/tui/screens/incident"
	"github.com/mayday-tui/mayday/tui/screens/wizard"
	"github.com/mayday-tui/mayday/tui/screens/workloads"
	"github.com/mayday-tui/mayday/tui/styles"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Options configure the root model.
type Options struct {
	// Ctx bounds the commands' waits; cancel it to stop them.
	Ctx     context.Context
	Cluster workload.Cluster
	// Actions changes the cluster; nil disables every mutation (with the
	// reason in help).
	Actions common.Actions
	Common  *common.Common
	Theme   themes.Theme
	// Tick is how often time-dependent text is refreshed (default 1s).
	Tick time.Duration
	// Coalesce gathers a burst of cluster changes into one snapshot.
	Coalesce time.Duration
	// Notices are problems found at start (config, theme), already escaped.
	Notices []string
	// Health queries the workloads' metrics; nil when no Prometheus is
	// configured (health screens say how to configure one).
	Health *metrics.Health
	// HealthRefresh is how often health is queried again (0 = default).
	HealthRefresh time.Duration
	// Decision feeds the decision wizard (w); nil: the wizard says it
	// cannot decide here.
	Decision *common.Decision
	// Incidents is the incident journal (n opens an incident, i shows
	// its report, the status bar and the finder show what is in
	// progress); nil: incidents are unavailable, IncidentsReason says why
	// in help and when n or i is pressed.
	Incidents       common.Incidents
	IncidentsReason string
	// ReportTemplateName and ReportTemplate are the team's report
	// template (incidents.reportTemplate), so that an exported report is
	// what `mayday report` prints; empty: the built-in one.
	ReportTemplateName, ReportTemplate string
}

// Model is the root model; the only tea.Model of the console.
type Model struct {
	opts   Options
	c      *common.Common
	stack  []common.Screen
	status statusbar.Model

	palette     *palette.Model
	helpOpen    *help.Model
	confirmQuit bool
	inFlight    []string // descriptions of actions in flight
	inc         incidents

	sizeKnown bool
	quitting  bool
}

// New builds the root model with the workload finder as the first screen.
func New(opts Options) Model {
	if opts.Ctx == nil {
		opts.Ctx = context.Background()
	}
	if opts.Tick <= 0 {
		opts.Tick = time.Second
	}
	c := opts.Common
	m := Model{opts: opts, c: c, status: statusbar.New(c)}
	if opts.Incidents == nil {
		k := c.Keys
		m.inc.unavailable = []key.Binding{k.Finder.OpenIncident, k.Finder.Report, k.History.OpenIncident, k.History.Report}
		k.SetIncidentsUnavailable(m.incidentsReason())
	}
	m.stack = []common.Screen{workloads.New(c, m.deps())}
	return m
}

// deps is what screens read and act through.
func (m Model) deps() common.Deps {
	var reader rollout.Reader
	if m.opts.Cluster != nil {
		reader = m.opts.Cluster.Reader()
	}
	return common.Deps{Ctx: m.opts.Ctx, Reader: reader, Actions: m.opts.Actions,
		Health: m.opts.Health, HealthRefresh: m.opts.HealthRefresh, Decision: m.opts.Decision}
}

// Init draws the first frame at once (the finder's loading state) and
// starts reading the cluster.
func (m Model) Init() tea.Cmd {
	return tea.Batch(
		loadWorkloads(m.opts.Cluster, nil, m.c.Now),
		waitForChange(m.opts.Ctx, m.opts.Cluster, m.opts.Coalesce, m.c.Now),
		tick(m.opts.Tick, m.opts.Cluster, m.c.Now),
		tea.RequestBackgroundColor,
		readIncident(m.opts.Incidents, true),
	)
}

// Top is the screen on top of the stack.
func (m Model) Top() common.Screen { return m.stack[len(m.stack)-1] }

// Depth is the number of screens on the stack.
func (m Model) Depth() int { return len(m.stack) }

// PaletteOpen, HelpOpen and ConfirmingQuit expose overlay state to tests.
func (m Model) PaletteOpen() bool    { return m.palette != nil }
func (m Model) HelpOpen() bool       { return m.helpOpen != nil }
func (m Model) ConfirmingQuit() bool { return m.confirmQuit }

// Update routes messages: global keys first, then overlays, then the top
// screen; data messages go to every screen so those below stay current.
func (m Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.sizeKnown = true
		m.c.Width, m.c.Height = msg.Width, msg.Height
		m.layout()
		cmd := m.relayout()
		return m, cmd
	case tea.ColorProfileMsg:
		m.c.Styles = styles.New(m.opts.Theme, m.c.Styles.Dark, msg.Profile)
		cmd := m.relayout()
		return m, cmd
	case tea.BackgroundColorMsg:
		m.c.Styles = styles.New(m.opts.Theme, msg.IsDark(), m.c.Styles.Profile)
		cmd := m.relayout()
		return m, cmd
	case changedMsg:
		// A wait answered: handle its snapshot and wait again.
		next, cmd := m.Update(msg.ClusterChangedMsg)
		return next, tea.Batch(cmd, waitForChange(m.opts.Ctx, m.opts.Cluster, m.opts.Coalesce, m.c.Now))
	case common.ClusterChangedMsg:
		m.status, _ = m.status.Update(msg)
		m.inc.rows = msg.Rows
		cmd := tea.Batch(m.broadcast(msg), m.requestMarks())
		return m, cmd
	case goHomeMsg:
		m.stack = m.stack[:1:1]
		return m, nil
	case common.TickMsg:
		m.status, _ = m.status.Update(msg)
		cmds := []tea.Cmd{m.broadcast(msg), tick(m.opts.Tick, m.opts.Cluster, m.c.Now), readIncident(m.opts.Incidents, false)}
		if msg.Health.Synced && !m.finderLoaded() {
			// The cache finished its first list without any event (an
			// empty namespace): take a snapshot so the finder stops loading.
			cmds = append(cmds, loadWorkloads(m.opts.Cluster, nil, m.c.Now))
		}
		return m, tea.Batch(cmds...)
	case common.ActionStartedMsg:
		m.inFlight = append(m.inFlight, msg.Desc)
		return m, nil
	case common.ActionFinishedMsg:
		if len(m.inFlight) > 0 {
			m.inFlight = m.inFlight[1:]
		}
		if msg.Then != nil {
			// The action's result goes to every screen: the one that
			// started it may no longer be on top.
			return m, m.broadcast(msg.Then)
		}
		return m, nil
	case common.PushScreenMsg:
		return m.push(msg.Screen), msg.Cmd
	case common.OpenWorkloadMsg:
		return m.open(msg.Ref)
	case openWizardMsg:
		return m.openWizard(msg.ref)
	case incidentReadMsg:
		return m.incidentRead(msg)
	case marksMsg:
		return m.marksLooked(msg)
	case incidentform.OpenedMsg:
		return m.opened(msg)
	case openIncidentMsg:
		return m.openIncident(msg.ref, msg.hasRef)
	case openReportMsg:
		return m.openReport()
	case reconcileMsg:
		return m.reconcile()
	case reconciledMsg:
		return m.reconciled(msg)
	case common.BackMsg:
		return m.back(), nil
	case common.ShowHelpMsg:
		return m.showHelp(), nil
	case common.QuitMsg:
		return m.quit()
	case palette.ChosenMsg:
		m.palette = nil
		chosen := msg.Command.Msg
		return m, func() tea.Msg { return chosen }
	case palette.ClosedMsg:
		m.palette = nil
		return m, nil
	case tea.KeyPressMsg:
		return m.key(msg)
	case tea.PasteMsg:
		if m.palette != nil || m.helpOpen != nil || m.confirmQuit {
			return m, nil
		}
		return m.toTop(msg)
	case tea.MouseMsg:
		return m.toTop(msg)
	}
	// Anything else is a result some screen asked for (a filter run, a
	// history read): it goes to every screen, since the one that asked
	// may no longer be on top. Each checks that the answer is its own.
	return m, m.broadcast(msg)
}

func (m Model) finderLoaded() bool {
	if w, ok := m.stack[0].(workloads.Screen); ok {
		return w.Finder().Loaded()
	}
	return true
}

// key handles global keys, then overlays, then the top screen.
func (m Model) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	g := m.c.Keys.Global
	if m.confirmQuit {
		switch msg.String() {
		case "y", "Y":
			m.quitting = true
			return m, tea.Quit
		default:
			m.confirmQuit = false
			return m, nil
		}
	}
	if key.Matches(msg, g.ForceQuit) {
		return m.quit()
	}
	if m.palette != nil {
		p, cmd := m.palette.Update(msg)
		m.palette = &p
		return m, cmd
	}
	if m.helpOpen != nil {
		if key.Matches(msg, g.Back) || key.Matches(msg, g.Help) || key.Matches(msg, g.Quit) && msg.String() == "q" {
			m.helpOpen = nil
			return m, nil
		}
		h, cmd := m.helpOpen.Update(msg)
		m.helpOpen = &h
		return m, cmd
	}
	typing := m.Top().CapturesInput()
	// ctrl+k opens the palette even while typing; ":" only when not.
	if key.Matches(msg, g.Palette) && (!typing || printableKey(msg) == "") {
		return m.openPalette(), nil
	}
	if !typing {
		switch {
		case key.Matches(msg, g.Quit):
			return m.quit()
		case key.Matches(msg, g.Help):
			return m.showHelp(), nil
		}
		if ref, b, ok := m.decideTarget(); ok && key.Matches(msg, b) {
			return m.openWizard(ref)
		}
		if next, cmd, ok := m.incidentKey(msg); ok {
			return next, cmd
		}
	}
	return m.toTop(msg)
}

func printableKey(msg tea.KeyPressMsg) string {
	if msg.Mod&(tea.ModCtrl|tea.ModAlt) != 0 {
		return ""
	}
	return msg.Text
}

func (m Model) toTop(msg tea.Msg) (tea.Model, tea.Cmd) {
	top, cmd := m.Top().Update(msg)
	m.stack = append(m.stack[:len(m.stack)-1:len(m.stack)-1], top)
	return m, cmd
}

// broadcast sends a data message to every screen on the stack.
func (m *Model) broadcast(msg tea.Msg) tea.Cmd {
	stack := make([]common.Screen, len(m.stack))
	var cmds []tea.Cmd
	for i, s := range m.stack {
		var cmd tea.Cmd
		stack[i], cmd = s.Update(msg)
		cmds = append(cmds, cmd)
	}
	m.stack = stack
	return tea.Batch(cmds...)
}

// push adds a screen; this is all it takes to add a screen to the console.
func (m Model) push(s common.Screen) Model {
	m.stack = append(m.stack[:len(m.stack):len(m.stack)], s)
	m.layout()
	return m
}

func (m Model) back() Model {
	if len(m.stack) > 1 {
		m.stack = m.stack[: len(m.stack)-1 : len(m.stack)-1]
	}
	return m
}

func (m Model) open(ref rollout.Ref) (tea.Model, tea.Cmd) {
	s, cmd := history.New(m.deps(), m.c, ref)
	// The incident in progress on the workload, as last looked up.
	sc, _ := s.Update(finder.InProgressMsg{Workloads: m.inc.marks})
	return m.push(sc), cmd
}

// decideTarget is the workload w opens the decision wizard for on the
// screen on top, and the key that does it there.
func (m Model) decideTarget() (rollout.Ref, key.Binding, bool) {
	k := m.c.Keys
	switch s := m.Top().(type) {
	case workloads.Screen:
		r, ok := s.Finder().Selected()
		return r.Ref, k.Finder.Decide, ok
	case history.Screen:
		return s.Workload(), k.History.Decide, true
	case health.Screen:
		return s.Workload(), k.Health.Decide, true
	}
	return rollout.Ref{}, key.Binding{}, false
}

// openWizardMsg opens the decision wizard (from the palette).
type openWizardMsg struct{ ref rollout.Ref }

func (m Model) openWizard(ref rollout.Ref) (tea.Model, tea.Cmd) {
	s, cmd := wizard.New(m.deps(), m.c, ref)
	return m.push(s), cmd
}

func (m Model) quit() (tea.Model, tea.Cmd) {
	if len(m.inFlight) > 0 {
		m.confirmQuit = true
		return m, nil
	}
	m.quitting = true
	return m, tea.Quit
}

func (m Model) showHelp() Model {
	g := m.c.Keys.Global
	sections := []help.Section{{Title: m.Top().Title(), Keys: m.Top().KeyMap()}, {Title: "Everywhere", Keys: g}}
	disabled := m.c.Keys.Disabled
	if d, ok := m.Top().(common.DisabledKeys); ok {
		disabled = append(disabled[:len(disabled):len(disabled)], d.DisabledKeys()...)
	}
	h := help.New(m.c, sections, disabled, m.opts.Notices)
	m.helpOpen = &h
	m.layout()
	return m
}

func (m Model) openPalette() Model {
	var items []common.Command
	items = append(items, m.Top().Commands()...)
	if ref, b, ok := m.decideTarget(); ok && b.Enabled() {
		items = append(items, common.Command{Title: "decide: " + textsafe.String(ref.String()), Keys: b.Help().Key, Msg: openWizardMsg{ref: ref}})
	}
	items = append(items, m.incidentCommands()...)
	if len(m.stack) > 1 {
		items = append(items, common.Command{Title: "Go to Workloads", Msg: goHomeMsg{}})
	}
	g := m.c.Keys.Global
	items = append(items,
		common.Command{Title: "Help", Keys: g.Help.Help().Key, Msg: common.ShowHelpMsg{}},
		common.Command{Title: "Quit", Keys: g.Quit.Help().Key, Msg: common.QuitMsg{}},
	)
	p := palette.New(m.c, items)
	m.palette = &p
	m.layout()
	return m
}

type goHomeMsg struct{}

// layout gives every part its size.
func (m *Model) layout() {
	l := m.frame()
	m.status.SetSize(l.innerW, 1)
	for i, s := range m.stack {
		m.stack[i] = s.SetSize(l.innerW, l.bodyH)
	}
	if m.helpOpen != nil {
		m.helpOpen.SetSize(l.innerW, l.bodyH)
	}
	if m.palette != nil {
		m.palette.SetSize(l.innerW, l.bodyH)
	}
}

// relayouter is a screen that redraws in a command once the size or the
// styles changed (the report renders its Markdown again).
type relayouter interface {
	Relayout() (common.Screen, tea.Cmd)
}

// relayout tells the screens that want it that the size or the styles
// changed.
func (m *Model) relayout() tea.Cmd {
	var cmds []tea.Cmd
	for i, s := range m.stack {
		if r, ok := s.(relayouter); ok {
			var cmd tea.Cmd
			m.stack[i], cmd = r.Relayout()
			cmds = append(cmds, cmd)
		}
	}
	return tea.Batch(cmds...)
}

// ColorProfile is the profile the styles were built for.
func (m Model) ColorProfile() colorprofile.Profile { return m.c.Styles.Profile }
