package main

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/output"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

func newStatusCmd(a *app) *cobra.Command {
	var watch bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "status KIND/NAME",
		Short: "Show rollout progress; with --watch, follow it until it ends",
		Long: `Show the rollout status (updated, ready and available replicas of desired),
judged as 'kubectl rollout status' judges it.

With --watch, print a line on every change until the rollout is complete,
has failed (progress deadline exceeded) or --timeout passes.

Exit codes: 0 complete (or, without --watch, still progressing),
1 failed or error, 2 usage, 3 --timeout passed, 130 interrupted (Ctrl-C).`,
		Example: `  mayday --demo status deployment/checkout --watch --timeout 2m
  mayday status sts/ledger -n prod -o json`,
		Args: exactArgs(1, 1, "KIND/NAME"),
	}
	format := addOutputFlag(cmd, "Output format: table, json or yaml (with --watch, JSON prints one document per line)")
	cmd.Flags().BoolVarP(&watch, "watch", "w", false, "Follow the rollout until it completes, fails or times out")
	cmd.Flags().DurationVar(&timeout, "timeout", 0, "With --watch, give up after this long (e.g. 2m; 0 = wait until the rollout ends)")
	cmd.RunE = a.runE(func(ctx context.Context, cmd *cobra.Command, args []string) error {
		f, err := format()
		if err != nil {
			return err
		}
		if err := parseRef(cmd, args[0]); err != nil {
			return err
		}
		if timeout < 0 {
			return usagef(cmd, "invalid --timeout %s: must not be negative", timeout)
		}
		if cmd.Flags().Changed("timeout") && !watch {
			return usagef(cmd, "--timeout only applies with --watch; add --watch or drop --timeout")
		}
		conn, err := a.connect(ctx, watch)
		if err != nil {
			return err
		}
		ref, err := a.ref(cmd, args[0], conn)
		if err != nil {
			return err
		}
		// A first read bounded by the request timeout: an unknown workload
		// or an unreachable server fails fast instead of retrying in a watch.
		obj, err := getWorkload(ctx, conn, ref)
		if err != nil {
			return err
		}
		s := a.judge(ctx, conn, obj)
		out := cmd.OutOrStdout()
		opts := a.outputOptions()
		if !watch {
			if f.Machine() {
				if err := output.WriteDoc(out, f, output.NewRolloutStatusDoc(ref, s, a.env.now())); err != nil {
					return err
				}
			} else {
				output.PrintStatus(out, ref, s, opts)
			}
			if s.Phase == rollout.PhaseFailed {
				return &exitError{code: exitFailed, msg: textsafe.String(s.Message)}
			}
			return nil
		}
		return a.watchStatus(ctx, cmd, conn, ref, f, timeout, s)
	})
	return cmd
}

// watchStatus prints a line for the first status s (from the first read)
// and for each change, until the rollout ends or ctx or timeout ends.
func (a *app) watchStatus(ctx context.Context, cmd *cobra.Command, conn *kube.Connection, ref rollout.Ref, f output.Format, timeout time.Duration, first rollout.Status) error {
	out := cmd.OutOrStdout()
	opts := a.outputOptions()
	if !f.Machine() {
		fmt.Fprintf(out, "%s in namespace %s: watching the rollout", opts.Styles().Bold(textsafe.String(ref.String())), textsafe.String(ref.Namespace))
		if timeout > 0 {
			fmt.Fprintf(out, " (timeout %s)", timeout)
		}
		fmt.Fprintln(out)
	}
	wctx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		wctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	var last rollout.Status
	show := func(s rollout.Status) (bool, error) {
		if s == last {
			return false, nil // a change elsewhere in the object (metadata, conditions' times)
		}
		last = s
		if f.Machine() {
			if err := output.WriteLine(out, f, output.NewRolloutStatusDoc(ref, s, a.env.now())); err != nil {
				return false, err
			}
		} else {
			fmt.Fprintln(out, output.ProgressLine(s, a.env.now(), opts))
		}
		return s.Done(), nil
	}
	done, err := show(first)
	if !done && err == nil {
		// Probe a quiet watch as often as a request may take: a frozen
		// server is then reported within about twice the request timeout.
		err = kube.WatchWorkload(wctx, conn.Client, conn.WatchClient, string(ref.Kind), ref.Namespace, ref.Name, conn.Timeout,
			func(obj runtime.Object) (bool, error) { return show(a.judge(wctx, conn, obj)) })
	}
	final := last
	switch {
	case err == nil && final.Phase == rollout.PhaseComplete:
		return nil
	case err == nil && final.Phase == rollout.PhaseFailed:
		return &exitError{code: exitFailed, msg: fmt.Sprintf("rollout of %s failed: %s", textsafe.String(ref.String()), textsafe.String(final.Message))}
	case ctx.Err() != nil:
		return &exitError{code: exitInterrupted, msg: "interrupted"}
	case errors.Is(err, context.DeadlineExceeded) && wctx.Err() != nil:
		return &exitError{code: exitTimeout, msg: fmt.Sprintf("timed out after %s waiting for the rollout of %s: %s (updated %d, ready %d, available %d of %d)",
			timeout, textsafe.String(ref.String()), textsafe.String(final.Message), final.Updated, final.Ready, final.Available, final.Desired)}
	}
	return err
}

func getWorkload(ctx context.Context, conn *kube.Connection, ref rollout.Ref) (runtime.Object, error) {
	r := kube.APIReader{Client: conn.Client}
	var obj runtime.Object
	var err error
	switch ref.Kind {
	case rollout.Deployment:
		obj, err = r.Deployment(ctx, ref.Namespace, ref.Name)
	case rollout.StatefulSet:
		obj, err = r.StatefulSet(ctx, ref.Namespace, ref.Name)
	default:
		obj, err = r.DaemonSet(ctx, ref.Namespace, ref.Name)
	}
	if err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &rollout.NotFoundError{Ref: ref}
		}
		return nil, fmt.Errorf("reading %s in namespace %q: %w", ref, ref.Namespace, err)
	}
	return obj, nil
}

// judge is statusOf, except that a progress deadline left over from the
// rollout before a rollback is not taken as this rollout's failure: the
// timed-out ReplicaSet is read and, if its template is not the
// deployment's, the rollout is still in progress (kubectl reports it as
// failed until the controller makes progress).
func (a *app) judge(ctx context.Context, conn *kube.Connection, obj runtime.Object) rollout.Status {
	s := statusOf(obj)
	d, ok := obj.(*appsv1.Deployment)
	if !ok || s.Phase != rollout.PhaseFailed {
		return s
	}
	name := rollout.TimedOutReplicaSet(d)
	if name == "" {
		return s
	}
	rs, err := conn.Client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil || rollout.EqualIgnoreHash(&rs.Spec.Template, &d.Spec.Template) {
		return s
	}
	// Any name but the timed-out one marks that timeout stale.
	return rollout.DeploymentStatusFor(d, "(current revision)")
}

func statusOf(obj runtime.Object) rollout.Status {
	switch o := obj.(type) {
	case *appsv1.Deployment:
		return rollout.DeploymentStatus(o)
	case *appsv1.StatefulSet:
		return rollout.StatefulSetStatus(o)
	case *appsv1.DaemonSet:
		return rollout.DaemonSetStatus(o)
	}
	return rollout.Status{Phase: rollout.PhaseProgressing, Message: "unknown object"}
}
