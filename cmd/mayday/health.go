package main

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/model"
	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/config"
	"github.com/mayday-tui/mayday/internal/evidence"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// healthChartCells is the plot width of a CLI chart when the terminal's is
// unknown (a pipe): one point per cell.
const healthChartCells = 60

// maxRevisionHealth bounds the revisions judged while live: each costs
// two instant queries.
const maxRevisionHealth = 10

func newHealthCmd(a *app) *cobra.Command {
	var window string
	cmd := &cobra.Command{
		Use:   "health KIND/NAME",
		Short: "Show a workload's health from Prometheus: verdict, evidence, charts, revisions",
		Long: `Show whether a workload hurts, and since when: the verdict (healthy, degraded,
critical or unknown), each signal's PromQL query, current value, threshold and
sample age, the firing alerts that match the workload, a chart per signal with
a marker (▲N) where revision N rolled out, and each revision's health while it
was live, with the last known good revision.

Prometheus comes from --prometheus or the context's prometheus.url in the
config file (docs/config.md); --demo has synthetic metrics of its own.`,
		Example: `  mayday --demo health deployment/checkout
  mayday --demo health deploy/checkout --window 6h -o json
  mayday health deploy/web -n prod --prometheus http://127.0.0.1:9090`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml")
	cmd.Flags().StringVar(&window, "window", "1h", "How far back to look: 15m, 1h, 6h, 24h (1m to 30d)")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		if err := parseRef(cmd, args[0]); err != nil {
			return err
		}
		win, err := parseWindow(cmd, window)
		if err != nil {
			return err
		}
		h, err := a.history(ctx, cmd, args[0])
		if err != nil {
			return err
		}
		health, err := a.health(cmd, true)
		if err != nil {
			return err
		}
		report, err := healthReport(ctx, health, h, win, a.chartCells(), a.env.now())
		if err != nil {
			return err
		}
		out := cmd.OutOrStdout()
		if f.Machine() {
			return output.WriteDoc(out, f, output.NewHealthDoc(report))
		}
		return output.PrintHealth(out, report, a.outputOptions())
	})
	return cmd
}

// parseWindow reads --window in Prometheus' duration syntax (30m, 6h, 2d,
// 1w); the range itself is checked by metrics.PlanRange.
func parseWindow(cmd *cobra.Command, s string) (time.Duration, error) {
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, usagef(cmd, "invalid --window %q: write a duration such as 15m, 1h, 6h or 24h", s)
	}
	if _, err := metrics.PlanRange(time.Now(), time.Duration(d), healthChartCells); err != nil {
		return 0, usagef(cmd, "invalid --window %s: %v", s, err)
	}
	return time.Duration(d), nil
}

// chartCells is the plot width: the terminal's less the axis labels.
func (a *app) chartCells() int {
	if a.env.width > 0 {
		return max(min(a.env.width-14, 200), 20)
	}
	return healthChartCells
}

// health builds the metric source: --prometheus, else the context's
// prometheus settings in the config file, else the demo's synthetic
// metrics with --demo.
//
// A config file with problems still gives its valid settings; warn prints
// the problems on stderr (the console shows them itself).
func (a *app) health(cmd *cobra.Command, warn bool) (*metrics.Health, error) {
	conn := a.conn
	cfg, cfgErr := config.Load(a.configPaths().ConfigFile())
	if cfgErr != nil && warn {
		fmt.Fprintf(cmd.ErrOrStderr(), "warning: %s\n", oneLine(cfgErr.Error()))
	}
	settings := cfg.For(conn.Context)
	h := &metrics.Health{
		Timeout:  settings.Prometheus.Timeout,
		Scrape:   settings.Prometheus.ScrapeInterval,
		Settings: func(t metrics.Target) metrics.Settings { return cfg.HealthSettings(t.Namespace, t.Name) },
	}
	switch {
	case a.prometheusURL != "":
		src, err := metrics.NewPrometheus(a.prometheusURL, settings.Prometheus.HTTP)
		if err != nil {
			return nil, usagef(cmd, "--prometheus: %v", err)
		}
		h.Source = src
	case a.demoCluster != nil:
		h.Source = a.demoCluster.Metrics()
	case settings.Prometheus.URL != "":
		src, err := metrics.NewPrometheus(settings.Prometheus.URL, settings.Prometheus.HTTP)
		if err != nil {
			return nil, fmt.Errorf("contexts.%s.prometheus in %s: %w", conn.Context, cfg.Path, err)
		}
		h.Source = src
	default:
		return nil, fmt.Errorf("no Prometheus for context %q: pass --prometheus URL or set contexts.%s.prometheus.url in %s",
			conn.Context, conn.Context, a.configPaths().ConfigFile())
	}
	return h, nil
}

// configPaths are where the config lives (tests set their own).
func (a *app) configPaths() config.Paths {
	if a.env.paths != nil {
		return *a.env.paths
	}
	return config.DefaultPaths()
}

// healthReport queries every signal over the window, then each recent
// revision's health while it was live.
func healthReport(ctx context.Context, health *metrics.Health, h *rollout.History, window time.Duration, cells int, now time.Time) (output.HealthReport, error) {
	t := evidence.Target(h)
	verdict, panels := health.Check(ctx, t, window, cells, metrics.Signals())
	if err := ctx.Err(); err != nil {
		return output.HealthReport{}, err
	}
	windows := rollout.LiveWindows(h, now)
	r := output.HealthReport{Workload: h.Workload, Window: window, Verdict: verdict, Panels: visiblePanels(panels),
		Windows: windows, RevisionOf: t.Revisions}
	if evidence.AllFailed(panels) {
		return r, nil // no point asking a dead Prometheus ten more times
	}
	recent := windows[max(len(windows)-maxRevisionHealth, 0):]
	preset := evidence.DetectedPreset(panels)
	for _, w := range recent {
		r.Revisions = append(r.Revisions, health.RevisionHealth(ctx, t, metrics.RevisionWindow{
			Revision: w.Revision, Hash: w.Hash, Start: w.Start, End: w.End, Preset: preset}))
	}
	if lkg, ok := metrics.LastKnownGood(h.Current, r.Revisions); ok {
		r.LastKnownGood = lkg
	}
	return r, nil
}

// visiblePanels drops saturation panels whose metrics do not exist: they
// are optional, and "no data" charts for them are noise.
func visiblePanels(ps []metrics.Panel) []metrics.Panel {
	out := make([]metrics.Panel, 0, len(ps))
	for _, p := range ps {
		optional := p.Signal == metrics.CPUThrottling || p.Signal == metrics.Memory || p.Signal == metrics.Restarts || p.Signal == metrics.LatencyP50
		if optional && (p.Err != nil || len(p.Series) == 0) {
			continue
		}
		out = append(out, p)
	}
	return out
}
