package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/mayday-tui/mayday/internal/action"
)

func newSwitchCmd(a *app) *cobra.Command {
	var fl trafficFlags
	var to, label string
	cmd := &cobra.Command{
		Use:   "switch service/NAME [--to SIDE]",
		Short: "Blue-green: point a Service at the other side of its pair, after checking that side is ready",
		Long: `Switch a blue-green Service: a Service whose selector includes a slot label
(slot, color or version; --label names another) that chooses between
Deployments whose pods differ by that label, such as web-blue (slot=blue) and
web-green (slot=green). mayday finds the pair and the live side (the value the
selector has now), and refuses unless every pod of the target side is ready
to take the traffic.

The switch is one merge patch of the selector, sent only if the Service is
unchanged since it was read; the API server dry runs it first. It is
recorded on the Service (mayday.dev/actor, reason, incident, switched-from)
and in an Event. Afterwards mayday watches the Service's EndpointSlices until
every ready endpoint is a pod of the target side, then, when Prometheus is
configured, waits up to --bake for a healthy verdict of the target Deployment.

Without --to, a pair of two sides switches to the side that is not live.
Switching to the live side changes nothing.

Exit codes: 0 switched and verified (or nothing to do), 1 refused, failed or
not verified, 2 usage.`,
		Example: `  mayday switch service/web --to blue --dry-run=server
  mayday switch service/web --to blue --reason "INC-42 green returns 5xx" --yes
  mayday switch svc/checkout -n prod --label version --to v1`,
		Args: exactArgs(1, 1, "service/NAME"),
	}
	format := addOutputFlag(cmd, "Output format of the result: table, json or yaml (the plan goes to stderr with json/yaml)")
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "The side to send the traffic to (a value of the slot label); default: the other side of a pair")
	f.StringVar(&label, "label", "", "The selector label that names the sides (default: slot, color or version, whichever the selector has)")
	fl.add(f)
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		name, err := serviceArg(cmd, args[0])
		if err != nil {
			return err
		}
		return a.traffic(ctx, cmd, action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: name,
			To: to, SlotKey: label}, fl, format)
	})
	return cmd
}

// serviceArg parses service/NAME (svc/NAME).
func serviceArg(cmd *cobra.Command, arg string) (string, error) {
	kind, name, ok := strings.Cut(arg, "/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return "", usagef(cmd, "expected service/NAME (for example service/web), got %q", arg)
	}
	switch strings.ToLower(kind) {
	case "service", "services", "svc":
		return name, nil
	}
	return "", usagef(cmd, "switch works on a Service's selector: expected service/NAME, got %q", arg)
}
