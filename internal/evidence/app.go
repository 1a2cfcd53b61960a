package evidence

import (
	"context"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/rollout"
)

// SameDeploy is how close two workloads' rollouts must start to count as
// one deploy of the application.
const SameDeploy = 15 * time.Minute

// AppFinder finds the workload's application (its
// app.kubernetes.io/part-of, else app.kubernetes.io/instance label) and
// the other parts whose current revision went live within SameDeploy of
// this one's: a rollback of one part alone may leave them mismatched.
func AppFinder(client kubernetes.Interface, reader rollout.Reader) func(context.Context, *rollout.History, time.Time) decide.App {
	return func(ctx context.Context, h *rollout.History, deployedAt time.Time) decide.App {
		labels := h.Object.GetLabels()
		label, name := rollout.PartOfLabel, labels[rollout.PartOfLabel]
		if name == "" {
			label, name = rollout.InstanceLabel, labels[rollout.InstanceLabel]
		}
		if name == "" {
			return decide.App{Checked: true} // not part of an application
		}
		app, err := action.FindApp(ctx, client, h.Workload.Namespace, name)
		if err != nil {
			return decide.App{} // unknown: the engine asks
		}
		out := decide.App{Checked: true, Label: label + "=" + name, Name: name}
		for _, ref := range app.Workloads {
			if ref == h.Workload {
				continue
			}
			other, err := rollout.GetHistory(ctx, reader, ref)
			if err != nil {
				return decide.App{}
			}
			for _, w := range rollout.LiveWindows(other, time.Now()) {
				if w.Current && !deployedAt.IsZero() && absDuration(w.Start.Sub(deployedAt)) <= SameDeploy {
					out.Changed = append(out.Changed, ref.String())
				}
			}
		}
		return out
	}
}

func absDuration(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
