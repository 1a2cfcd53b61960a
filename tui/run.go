// Package tui is mayday's console: the Bubble Tea program behind `mayday`
// with no subcommand and `mayday --demo`. It is the only code that imports
// bubbletea; cmd/mayday calls Run.
package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/analysis"
	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/textsafe"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/app"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/keys"
	"github.com/mayday-tui/mayday/tui/screens/wizard"
	"github.com/mayday-tui/mayday/tui/styles"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Deps is what the console needs from the command line.
type Deps struct {
	// Client is used for the informers' list and watch calls (for a real
	// cluster, the connection's WatchClient: no request timeout).
	Client kubernetes.Interface
	// ActionClient makes the rollback's requests (access review, identity,
	// dry run, patch): for a real cluster the connection's Client, whose
	// requests are bounded by the request timeout. Nil falls back to
	// Client; with neither, the console cannot act and says so in help.
	ActionClient kubernetes.Interface
	// Context is the kube context's name (shown, and used to pick settings).
	Context string
	// Namespace to show; "" with AllNamespaces for every namespace.
	Namespace     string
	AllNamespaces bool

	// Config is the parsed config file (nil: defaults); ConfigErr is the
	// problem found reading it, shown in the console.
	Config    *config.Config
	ConfigErr error
	// ThemesDir holds user themes ("" for built-ins only).
	ThemesDir string
	// Theme, when set (--theme), overrides the config.
	Theme string
	// NoColor (--no-color) forces the ASCII profile. NO_COLOR in the
	// environment has the same effect through Bubble Tea's detection.
	NoColor bool
	// ReadOnly (--read-only) disables every mutation.
	ReadOnly bool

	// Logger receives diagnostics; it must not write to the terminal.
	Logger *slog.Logger
	// Input and Output default to the terminal; Env to os.Environ().
	Input  io.Reader
	Output io.Writer
	Env    []string
	// Width and Height set the initial size when Output is not a terminal
	// (tests, recordings); a terminal reports its own.
	Width, Height int
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Cache, when set, is used instead of building one from Client (the
	// caller then starts it).
	Cache *kube.Cache
	// Health queries the workloads' metrics (Prometheus or the demo's);
	// nil when none is configured: the health screens say how to
	// configure one and the finder shows no health columns.
	Health *metrics.Health
	// HealthRefresh is how often health is queried again (0 =
	// metrics.DefaultRefresh).
	HealthRefresh time.Duration
	// Policy is the decision wizard's policy (nil: the built-in
	// default); PolicyErr is the problem found in the team's policy file,
	// shown in the wizard while the default decides.
	Policy    *decide.Policy
	PolicyErr error
	// Dynamic reaches HTTPRoutes, VirtualServices and Argo Rollouts for
	// the wizard's canary rollbacks; nil offers only Services and
	// Deployments.
	Dynamic dynamic.Interface
	// RequestTimeout is the connection's request timeout: a verification
	// checks a quiet watch this often (0: it waits on the watch alone).
	RequestTimeout time.Duration
	// Journal records the console's actions in an incident (opened with
	// n, or by the first action); nil: actions are not journaled and the
	// incident keys say so.
	Journal *actionlog.Keeper
}

// Run opens the console and blocks until the user quits or ctx ends.
func Run(ctx context.Context, d Deps) error {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	cache := d.Cache
	if cache == nil {
		if d.Client == nil {
			return errors.New("tui: no Kubernetes client")
		}
		ns := d.Namespace
		if d.AllNamespaces {
			ns = ""
		}
		cache = kube.NewCache(d.Client, ns)
		// The informers start now and fill in the background: the first
		// frame shows the loading state instead of waiting for them.
		cache.Start(ctx)
	}
	model, _ := NewModel(ctx, d, workload.CacheCluster{Cache: cache, AllNamespaces: d.AllNamespaces || d.Namespace == ""})
	d.Logger.Info("console starting", "context", d.Context, "namespace", d.Namespace,
		"theme", model.ThemeName(), "readOnly", model.ReadOnly())

	popts := []tea.ProgramOption{tea.WithContext(ctx)}
	if d.Input != nil {
		popts = append(popts, tea.WithInput(d.Input))
	}
	if d.Output != nil {
		popts = append(popts, tea.WithOutput(d.Output))
	}
	if d.Env != nil {
		popts = append(popts, tea.WithEnvironment(d.Env))
	}
	if d.NoColor {
		popts = append(popts, tea.WithColorProfile(colorprofile.ASCII))
	}
	if d.Width > 0 && d.Height > 0 {
		popts = append(popts, tea.WithWindowSize(d.Width, d.Height))
	}
	_, err := tea.NewProgram(model.Model, popts...).Run()
	if model.journal != nil {
		// An analysis started by a verified rollback finishes into the
		// journal before the console goes (bounded).
		model.journal.wait(analysisTimeout)
	}
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		err = nil // the caller cancelled: a normal end
	}
	if err != nil {
		d.Logger.Error("console ended", "err", err)
		return fmt.Errorf("console: %w", err)
	}
	return nil
}

// Built is the root model with what Run decided, for callers and tests.
type Built struct {
	app.Model
	theme    string
	readOnly bool
	journal  *journal
}

// ThemeName is the theme in use.
func (b Built) ThemeName() string { return b.theme }

// ReadOnly reports whether mutations are disabled.
func (b Built) ReadOnly() bool { return b.readOnly }

// NewModel resolves settings (config, context, theme, keys) and builds the
// root model over cluster. Problems are collected as notices the console
// shows; none of them stops it.
func NewModel(ctx context.Context, d Deps, cluster workload.Cluster) (Built, app.Options) {
	now := d.Now
	if now == nil {
		now = time.Now
	}
	cfg := d.Config
	if cfg == nil {
		cfg = config.Defaults()
	}
	var notices []string
	if d.ConfigErr != nil {
		notices = append(notices, d.ConfigErr.Error())
	}
	set := cfg.For(d.Context)

	// Theme: --theme, else the context's, else production's frame for a
	// production context, else the config's default.
	themeName := set.Theme
	if ctxTheme := contextTheme(cfg, d.Context); ctxTheme == "" && set.Production {
		themeName = "production"
	}
	if d.Theme != "" {
		themeName = d.Theme
	}
	catalog, err := themes.Load(d.ThemesDir)
	if err != nil {
		// The built-ins are tested; reaching this is a bug, but the console
		// still opens with them.
		notices = append(notices, err.Error())
		catalog, _ = themes.Builtin()
	}
	for _, p := range catalog.Problems {
		notices = append(notices, p.Error())
	}
	theme, err := catalog.Resolve(themeName)
	if err != nil {
		notices = append(notices, err.Error())
	}

	km := keys.Default()
	if err := km.Apply(cfg.Path, cfg.Keys); err != nil {
		notices = append(notices, err.Error())
	}
	readOnly := d.ReadOnly || set.ReadOnly
	reason := ""
	switch {
	case d.ReadOnly:
		reason = "read-only mode (--read-only)"
	case set.ReadOnly:
		reason = fmt.Sprintf("read-only mode (context %q in %s)", d.Context, cfg.Path)
	}
	if readOnly {
		km.SetReadOnly(reason)
	}

	profile := colorprofile.TrueColor // replaced by Bubble Tea's ColorProfileMsg at start
	if d.NoColor {
		profile = colorprofile.ASCII
	}
	ns := d.Namespace
	if d.AllNamespaces {
		ns = ""
	}
	for i := range notices {
		notices[i] = textsafe.Block(notices[i])
	}
	c := &common.Common{
		Styles: styles.New(theme, true, profile), Keys: &km,
		ReadOnly: readOnly, ReadOnlyReason: reason,
		Production: set.Production, ProductionReason: set.ProductionReason,
		Context: d.Context, Namespace: ns, Now: now,
	}
	actionClient := d.ActionClient
	if actionClient == nil {
		actionClient = d.Client
	}
	logger := d.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	rec := actionRecorder(logger, d.Journal)
	var ledger action.Ledger
	var incidents common.Incidents
	var jn *journal
	if d.Journal != nil {
		ledger = d.Journal
		var g *analysis.Gatherer
		if actionClient != nil {
			g = &analysis.Gatherer{Client: actionClient, Reader: cluster.Reader(), Health: d.Health, Redactor: d.Journal.Opts.Redactor, Now: now}
		}
		jn = newJournal(ctx, d.Journal, d.Journal.Opts.Actor, g, actionClient)
		incidents = jn
	}
	var actions common.Actions
	if actionClient != nil {
		// The executor refuses in read-only mode too: the disabled keys
		// are not the only guard.
		actions = workload.NewExecutor(actionClient, readOnly, ledger, rec)
	}
	opts := app.Options{
		Ctx: ctx, Cluster: cluster, Actions: actions, Common: c, Theme: theme,
		Tick: cfg.Refresh.Tick, Coalesce: cfg.Refresh.Coalesce, Notices: notices,
		Health: d.Health, HealthRefresh: d.HealthRefresh,
		Decision:  decision(d, cluster, actionClient, readOnly, now, ledger, rec, jn),
		Incidents: incidents,
	}
	if incidents == nil {
		opts.IncidentsReason = "this console keeps no incident journal"
	}
	if file := cfg.Incidents.ReportTemplate; file != "" {
		// The team's template, so that an export is what `mayday report`
		// prints; a bad one is a notice and the built-in one is used.
		data, err := os.ReadFile(file)
		if err == nil {
			err = report.CheckTemplate(file, string(data))
		}
		if err != nil {
			opts.Notices = append(opts.Notices, textsafe.Block("report template: "+err.Error()))
		} else {
			opts.ReportTemplateName, opts.ReportTemplate = file, string(data)
		}
	}
	return Built{Model: app.New(opts), theme: theme.Name, readOnly: readOnly, journal: jn}, opts
}

// decision is what the decision wizard reads and acts with: evidence from
// the informer cache, the metrics source and (for the application and
// traffic) the bounded client, the policy, and the actions over that
// client, journaled in ledger, whose events go to rec.
func decision(d Deps, cluster workload.Cluster, actionClient kubernetes.Interface, readOnly bool, now func() time.Time, ledger action.Ledger, rec action.Recorder, jn *journal) *common.Decision {
	dec := &common.Decision{Policy: d.Policy, PolicyErr: d.PolicyErr}
	reader := cluster.Reader()
	if reader == nil {
		return dec
	}
	g := &evidence.Gatherer{Reader: reader, Health: d.Health, Now: now}
	if actionClient != nil {
		g.App = evidence.AppFinder(actionClient, reader)
		g.Traffic = evidence.TrafficFinder(actionClient, d.Dynamic)
	}
	dec.Gather = g.Gather
	if actionClient == nil {
		return dec
	}
	watch := d.Client
	if watch == nil {
		watch = actionClient
	}
	cfg := wizard.OpsConfig{
		Client: actionClient, WatchClient: watch, Dynamic: d.Dynamic, ReadOnly: readOnly, Health: d.Health,
		Probe: d.RequestTimeout, Recorder: rec, Ledger: ledger,
	}
	if jn != nil {
		cfg.OnDecision, cfg.OnVerified = jn.decided, jn.verified
	}
	dec.Ops = wizard.NewOps(cfg)
	return dec
}

// actionRecorder writes the actions' events to the log and, when the
// console journals, to the incident.
func actionRecorder(logger *slog.Logger, k *actionlog.Keeper) action.Recorder {
	return action.RecorderFunc(func(e action.Event) {
		logger.Info("action event", "action", e.Action, "phase", string(e.Phase), "namespace", e.Namespace,
			"workload", e.Workload, "actor", e.Actor, "duration", e.Duration, "detail", e.Detail)
		if k != nil {
			k.Record(e)
		}
	})
}

func contextTheme(cfg *config.Config, kubeContext string) string {
	withoutDefault := *cfg
	withoutDefault.Theme = ""
	return withoutDefault.For(kubeContext).Theme
}
