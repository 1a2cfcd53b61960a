package kube

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// WatchWorkload calls onChange with the workload ("Deployment",
// "StatefulSet" or "DaemonSet") as it is now and after every change, until
// onChange reports done, returns an error, or ctx ends (then ctx.Err() is
// returned). Lists go through list (bounded by the request timeout),
// watches through watch (long-running); a watch that breaks or expires is
// re-established with a re-list (client-go's UntilWithSync), so no change
// of state is missed for long.
//
// A watch over a connection whose server froze shows nothing: no events,
// no error. So when probe > 0 and nothing arrived for that long, the
// object is read through list (bounded by the request timeout); if the
// server cannot be reached, the watch ends with that error.
func WatchWorkload(ctx context.Context, list, watchClient kubernetes.Interface, kind, namespace, name string, probe time.Duration,
	onChange func(obj runtime.Object) (done bool, err error)) error {
	byName := func(o *metav1.ListOptions) {
		o.FieldSelector = fields.OneTermEqualSelector("metadata.name", name).String()
	}
	var objType runtime.Object
	var resource string
	switch kind {
	case "Deployment":
		objType, resource = &appsv1.Deployment{}, "deployments"
	case "StatefulSet":
		objType, resource = &appsv1.StatefulSet{}, "statefulsets"
	case "DaemonSet":
		objType, resource = &appsv1.DaemonSet{}, "daemonsets"
	default:
		return fmt.Errorf("cannot watch kind %q", kind)
	}
	lw := &cache.ListWatch{
		ListWithContextFunc: func(ctx context.Context, o metav1.ListOptions) (runtime.Object, error) {
			byName(&o)
			return listObjects(ctx, list, resource, namespace, o)
		},
		WatchFuncWithContext: func(ctx context.Context, o metav1.ListOptions) (watch.Interface, error) {
			byName(&o)
			return watchObjects(ctx, watchClient, resource, namespace, o)
		},
	}
	// The informer replays the object it listed as an Added event after
	// the precondition saw it: deliver each resourceVersion once.
	var lastRV string
	deliver := func(obj runtime.Object) (bool, error) {
		if m, err := meta.Accessor(obj); err == nil {
			rv := m.GetResourceVersion()
			if rv != "" && rv == lastRV {
				return false, nil
			}
			lastRV = rv
		}
		return onChange(obj)
	}
	gr := schema.GroupResource{Group: "apps", Resource: resource}
	precondition := func(store cache.Store) (bool, error) {
		obj, ok, err := store.GetByKey(namespace + "/" + name)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, apierrors.NewNotFound(gr, name)
		}
		return deliver(obj.(runtime.Object))
	}
	wctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var lastEvent atomic.Int64
	lastEvent.Store(time.Now().UnixNano())
	if probe > 0 {
		go probeServer(wctx, cancel, &lastEvent, probe, func(ctx context.Context) error {
			_, err := listObjects(ctx, list, resource, namespace, metav1.ListOptions{
				FieldSelector: fields.OneTermEqualSelector("metadata.name", name).String(), Limit: 1})
			return err
		})
	}
	// A fake clientset (the demo cluster) cannot stream the initial list
	// over a watch; the wrapper lets the reflector see that and list first.
	_, err := watchtools.UntilWithSync(wctx, cache.ToListWatcherWithWatchListSemantics(lw, watchClient), objType, precondition, func(ev watch.Event) (bool, error) {
		lastEvent.Store(time.Now().UnixNano())
		switch ev.Type {
		case watch.Deleted:
			return false, fmt.Errorf("%s %s/%s was deleted while watching it", kind, namespace, name)
		case watch.Added, watch.Modified:
			return deliver(ev.Object)
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	if err != nil && wctx.Err() != nil {
		if cause := context.Cause(wctx); cause != nil && !errors.Is(cause, context.Canceled) {
			return cause
		}
	}
	return err
}

// probeServer checks the server whenever no event arrived for every
// period, and cancels the watch with the error if it cannot be reached.
// Errors that are answers (forbidden, not found) are left to the watch.
func probeServer(ctx context.Context, cancel context.CancelCauseFunc, lastEvent *atomic.Int64, every time.Duration, read func(context.Context) error) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, lastEvent.Load())) < every {
			continue
		}
		if err := read(ctx); err != nil && ctx.Err() == nil && IsConnectionError(err) {
			cancel(fmt.Errorf("the watch stopped receiving updates: %w", err))
			return
		}
	}
}

// listObjects and watchObjects go through the typed clients, so that fake
// clientsets (the demo cluster, tests) work as well as real ones.
func listObjects(ctx context.Context, c kubernetes.Interface, resource, ns string, o metav1.ListOptions) (runtime.Object, error) {
	switch resource {
	case "deployments":
		return c.AppsV1().Deployments(ns).List(ctx, o)
	case "statefulsets":
		return c.AppsV1().StatefulSets(ns).List(ctx, o)
	default:
		return c.AppsV1().DaemonSets(ns).List(ctx, o)
	}
}

func watchObjects(ctx context.Context, c kubernetes.Interface, resource, ns string, o metav1.ListOptions) (watch.Interface, error) {
	switch resource {
	case "deployments":
		return c.AppsV1().Deployments(ns).Watch(ctx, o)
	case "statefulsets":
		return c.AppsV1().StatefulSets(ns).Watch(ctx, o)
	default:
		return c.AppsV1().DaemonSets(ns).Watch(ctx, o)
	}
}
