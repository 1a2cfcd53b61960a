package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
)

func newCanaryCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "canary",
		Short: "Canary actions: roll a canary back (send all traffic to the stable version)",
		Args:  cobra.NoArgs,
		RunE: a.runE(func(_ context.Context, cmd *cobra.Command, _ []string) error {
			return usagef(cmd, "canary needs a subcommand: rollback")
		}),
	}
	cmd.AddCommand(newCanaryRollbackCmd(a))
	return cmd
}

func newCanaryRollbackCmd(a *app) *cobra.Command {
	var fl trafficFlags
	var stable string
	cmd := &cobra.Command{
		Use:   "rollback KIND/NAME",
		Short: "Stop a canary and send all traffic back to the stable version",
		Long: `Roll a canary back. What that means depends on how the traffic is split:

  service/NAME, deployment/NAME   the plain pattern: a stable Deployment and a
                                  canary one (named *-canary, or with pods
                                  labelled track=canary) behind one Service.
                                  The canary is scaled to zero.
  httproute/NAME                  Gateway API: every rule splitting traffic by
                                  backendRef weights gets 100 for its stable
                                  backend and 0 for its canaries.
  virtualservice/NAME             Istio: the same for each HTTP route's
                                  destination weights.
  rollout/NAME                    Argo Rollouts: abort (status.abort=true, as
                                  kubectl argo rollouts abort), then undo to
                                  the stable revision (spec.template becomes
                                  the stable ReplicaSet's, as its undo does).

The canary backend is the one whose name or subset says "canary"; --stable
names the backend that keeps the traffic instead. HTTPRoute, VirtualService
and Rollout are only offered when the cluster serves their CRDs.

First the stable side is checked (ready pods, or ready endpoints of the
stable backend's Service); the writes are guarded by the objects'
resourceVersions and dry run by the API server before you confirm. Each
object is annotated (mayday.dev/actor, reason, incident,
canary-rolled-back-from) and gets an Event. Afterwards mayday observes that
the canary's pods and endpoints are gone (or the weights still hold, or the
rollout is aborted) and the stable side has ready endpoints, then, when
Prometheus is configured, waits up to --bake for a healthy verdict.

Exit codes: 0 rolled back and verified (or nothing to do), 1 refused,
failed or not verified, 2 usage.`,
		Example: `  mayday canary rollback service/web --dry-run=server
  mayday canary rollback deployment/web-canary --reason "INC-42 canary 5xx" --yes
  mayday canary rollback httproute/web -n prod --stable web-v1
  mayday canary rollback virtualservice/reviews
  mayday canary rollback rollout/checkout --incident INC-42`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	format := addOutputFlag(cmd, "Output format of the result: table, json or yaml (the plan goes to stderr with json/yaml)")
	f := cmd.Flags()
	f.StringVar(&stable, "stable", "", "HTTPRoute and VirtualService: the backend (name, host or subset) that keeps all traffic")
	fl.add(f)
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		kind, name, ok := strings.Cut(args[0], "/")
		if !ok || kind == "" || name == "" || strings.Contains(name, "/") {
			return usagef(cmd, "expected KIND/NAME (for example service/web or httproute/web), got %q", args[0])
		}
		k, err := action.ParseCanaryKind(kind)
		if err != nil {
			return usagef(cmd, "%v", err)
		}
		if stable != "" && k != "httproute" && k != "virtualservice" {
			return usagef(cmd, "--stable only applies to httproute and virtualservice")
		}
		return a.traffic(ctx, cmd, action.TrafficRequest{Action: action.CanaryRollbackAction, Kind: k, Name: name, Stable: stable}, fl, format)
	})
	return cmd
}
