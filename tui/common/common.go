// Package common holds what every screen and component of one program
// shares, passed explicitly: the size, the styles, the key maps, the
// read-only state, the kube context and the clock. It also declares the
// Screen interface and the navigation messages, so that screens and the
// root model can talk without importing each other.
package common

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/keys"
	"github.com/mayday-tui/mayday/tui/styles"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Common is shared by all parts of one program. The root model owns it and
// changes it only in its Update (a resize, a new colour profile); the rest
// read it.
type Common struct {
	Width, Height int
	Styles        styles.Styles
	Keys          *keys.Map
	// ReadOnly disables mutations; ReadOnlyReason says why, for help.
	ReadOnly       bool
	ReadOnlyReason string
	// Production marks the context as production (confirmations ask for
	// the workload's name); ProductionReason says why.
	Production       bool
	ProductionReason string
	// Context is the kube context name; Namespace is "" for all namespaces.
	Context   string
	Namespace string
	// Now is the clock. Tests pin it; views read it for ages.
	Now func() time.Time
}

// AllNamespaces reports whether the console spans every namespace.
func (c *Common) AllNamespaces() bool { return c.Namespace == "" }

// Screen is one full-screen view on the root model's stack. Adding a screen
// means implementing this and pushing it in response to a message.
type Screen interface {
	// Update handles a message; the root forwards everything it does not
	// consume itself (global keys, resizes) to the top screen.
	Update(msg tea.Msg) (Screen, tea.Cmd)
	// View renders the screen body at the size last given to SetSize.
	View() string
	SetSize(width, height int) Screen
	// Title names the screen in the header and the palette.
	Title() string
	// KeyMap is the screen's bindings, for the help screen and footer.
	KeyMap() help.KeyMap
	// CapturesInput is true while a text field has focus: printable keys
	// then go to it, not to global bindings such as q or ?.
	CapturesInput() bool
	// Commands lists the screen's actions for the palette.
	Commands() []Command
}

// Command is one palette entry: running it sends Msg.
type Command struct {
	Title string
	Keys  string // key hint shown beside the title
	Msg   tea.Msg
}

// OpenWorkloadMsg asks the root to open a workload's history.
type OpenWorkloadMsg struct{ Ref rollout.Ref }

// BackMsg asks the root to pop the top screen.
type BackMsg struct{}

// ShowHelpMsg asks the root to show full help.
type ShowHelpMsg struct{}

// QuitMsg asks the root to quit (confirming if an action is in flight).
type QuitMsg struct{}

// ClusterChangedMsg brings a new snapshot of the workloads, the changes
// that caused it (nil for the first load) and the connection state.
type ClusterChangedMsg struct {
	Rows    []workload.Row
	Changes []workload.Change
	Health  workload.Health
	At      time.Time
}

// Touches reports whether the change concerns the workload ref (with UID
// uid, "" when unknown) or the objects it owns. Without a change list
// everything may have changed.
func (m ClusterChangedMsg) Touches(ref rollout.Ref, uid types.UID) bool {
	if m.Changes == nil {
		return true
	}
	for _, c := range m.Changes {
		if c.Kind == string(ref.Kind) && c.Namespace == ref.Namespace && c.Name == ref.Name {
			return true
		}
		if uid != "" && c.OwnerUID == uid {
			return true
		}
	}
	return false
}

// TickMsg drives time-dependent text (clock, ages) and carries the
// connection state, read in the tick's command rather than in Update.
type TickMsg struct {
	Now    time.Time
	Health workload.Health
}

// ActionStartedMsg and ActionFinishedMsg bracket a mutation in flight,
// so quitting can ask first.
type ActionStartedMsg struct{ Desc string }

// ActionFinishedMsg ends what ActionStartedMsg began. Then, when set, is
// the action's result: the root passes it to every screen after closing
// the bracket, so the bracket closes even when the screen that started
// the action has been left meanwhile.
type ActionFinishedMsg struct{ Then tea.Msg }

// PushScreenMsg asks the root to push a screen (diff, rollback flow): a
// screen opens another without knowing the root. Cmd, the new screen's
// first command, runs once the screen is on the stack, so its answer
// cannot arrive before the screen that asked.
type PushScreenMsg struct {
	Screen Screen
	Cmd    tea.Cmd
}

// Actions changes the cluster and names who acts. The tui declares it;
// workload.Executor implements it over internal/action. Screens reach it
// only from commands.
type Actions interface {
	// CheckUndoAllowed refuses read-only mode and a missing permission
	// (*kube.ForbiddenError) before anything is planned.
	CheckUndoAllowed(ctx context.Context, ref rollout.Ref) error
	// Actor names the person acting, for the plan's attribution.
	Actor(ctx context.Context) string
	// Undo executes a plan (action.DryRunServer only validates it). A
	// conflict with another writer is an *action.ConflictError.
	Undo(ctx context.Context, p *rollout.Plan, dry action.DryRun) (*action.Result, error)
}

// DisabledKeys is implemented by screens that disable some of their keys
// for reasons found at run time (a forbidden user); help lists them.
type DisabledKeys interface {
	DisabledKeys() []keys.Disabled
}

// Deps is what screens read the cluster with and act through, from
// commands only. Actions is nil when the console cannot act.
type Deps struct {
	Ctx     context.Context
	Reader  rollout.Reader
	Actions Actions
	// Health queries Prometheus (or the demo's metrics); nil when none is
	// configured: health screens say how to configure one and the finder
	// shows no health columns.
	Health *metrics.Health
	// HealthRefresh is how often health is queried again (0 =
	// metrics.DefaultRefresh).
	HealthRefresh time.Duration
	// Decision feeds the decision wizard; nil: the wizard says it cannot
	// decide here.
	Decision *Decision
}

// Refresh is how often health is queried again.
func (d Deps) Refresh() time.Duration {
	if d.HealthRefresh > 0 {
		return d.HealthRefresh
	}
	return metrics.DefaultRefresh
}

// NoPrometheus says how to configure a metrics source, naming the kube
// context's setting.
func (c *Common) NoPrometheus() string {
	ctx := c.Context
	if ctx == "" {
		ctx = "<context>"
	}
	return "no Prometheus configured: pass --prometheus URL or set contexts." + ctx + ".prometheus.url"
}
