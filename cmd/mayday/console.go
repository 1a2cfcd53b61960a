package main

import (
	"context"
	"errors"

	"github.com/spf13/cobra"
	"k8s.io/client-go/dynamic"

	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/tui"
)

// consoleFlags are the flags only the interactive console reads.
type consoleFlags struct {
	theme         string
	noColor       bool
	allNamespaces bool
}

func (f *consoleFlags) add(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&f.theme, "theme", "", "Console theme: default, light, high-contrast, production, or NAME from ~/.config/mayday/themes/")
	pf.BoolVar(&f.noColor, "no-color", false, "No colours (bold and reverse stay); NO_COLOR=1 does the same")
	root.Flags().BoolVarP(&f.allNamespaces, "all-namespaces", "A", false, "Show workloads of every namespace")
}

// console opens the interactive console: `mayday` with no subcommand.
func (a *app) console(ctx context.Context, cmd *cobra.Command) error {
	if !a.env.stdoutTTY {
		return &usageError{err: errors.New("the console needs a terminal; use a subcommand (history, diff, undo, status)"), help: "mayday"}
	}
	conn, err := a.connect(ctx, true) // true starts the demo's controllers for --demo
	if err != nil {
		return err
	}
	paths := a.configPaths()
	cfg, cfgErr := config.Load(paths.ConfigFile()) // a bad config is shown in the console, not fatal
	health, err := a.health(cmd, false)
	if err != nil {
		var ue *usageError
		if errors.As(err, &ue) {
			return err // a bad --prometheus
		}
		// No Prometheus configured: the console says how to add one.
		a.env.logger.Info("console without health", "reason", err.Error())
		health = nil
	}
	if health != nil {
		// Many rows check at once: detect each workload's preset once and
		// share one alerts list per refresh.
		health.Memo = &metrics.Memo{}
	}
	policy, policyErr := a.loadPolicy("") // a bad policy is shown in the wizard; the default decides
	var dyn dynamic.Interface             // the demo cluster has no CRDs
	if conn.Config != nil {
		if dyn, err = dynamic.NewForConfig(conn.Config); err != nil {
			return err
		}
	}
	timeout, _ := kube.ParseRequestTimeout(*a.kube.Timeout) // validated with the flags
	// The console's actions are journaled in an incident: opened with n,
	// or by the first action. An unusable directory refuses each action
	// when it would be recorded (the console says why).
	js, err := a.journals(cmd)
	if err != nil {
		return err
	}
	keeper := &actionlog.Keeper{Dir: js.dir, Opts: js.opts,
		OnError: func(err error) { a.env.logger.Warn("journal", "error", err.Error()) }}
	defer func() {
		if j := keeper.Journal(); j != nil {
			js.finish(context.WithoutCancel(ctx), cmd, j, 0)
		}
		_ = keeper.Close()
	}()
	return tui.Run(ctx, tui.Deps{
		Journal: keeper,
		Health:  health, HealthRefresh: cfg.For(conn.Context).Prometheus.Refresh,
		Policy: policy, PolicyErr: policyErr, Dynamic: dyn, RequestTimeout: timeout,
		Client: conn.WatchClient, ActionClient: conn.Client, Context: conn.Context, Namespace: conn.Namespace, AllNamespaces: a.consoleOpts.allNamespaces,
		Config: cfg, ConfigErr: cfgErr, ThemesDir: paths.ThemesDir(),
		Theme: a.consoleOpts.theme, NoColor: a.consoleOpts.noColor, ReadOnly: a.readOnly,
		Logger: a.env.logger, Now: a.env.now,
	})
}
