package kube

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
func WatchWorkload(ctx context.Context, list, watchClient kubernetes.Interface, kind, namespace, name string,
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
	gr := schema.GroupResource{Group: "apps", Resource: resource}
	precondition := func(store cache.Store) (bool, error) {
		obj, ok, err := store.GetByKey(namespace + "/" + name)
		if err != nil {
			return false, err
		}
		if !ok {
			return false, apierrors.NewNotFound(gr, name)
		}
		return onChange(obj.(runtime.Object))
	}
	// A fake clientset (the demo cluster) cannot stream the initial list
	// over a watch; the wrapper lets the reflector see that and list first.
	_, err := watchtools.UntilWithSync(ctx, cache.ToListWatcherWithWatchListSemantics(lw, watchClient), objType, precondition, func(ev watch.Event) (bool, error) {
		switch ev.Type {
		case watch.Deleted:
			return false, fmt.Errorf("%s %s/%s was deleted while watching it", kind, namespace, name)
		case watch.Added, watch.Modified:
			return onChange(ev.Object)
		}
		return false, nil
	})
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
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
