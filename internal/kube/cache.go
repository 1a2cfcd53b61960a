package kube

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// ControllerIndex indexes objects by the UID of their controller owner, so
// a workload's ReplicaSets are found without scanning the namespace.
const ControllerIndex = "controller-uid"

func controllerUID(obj any) ([]string, error) {
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, nil
	}
	if ref := metav1.GetControllerOfNoCopy(m); ref != nil {
		return []string{string(ref.UID)}, nil
	}
	return nil, nil
}

// StripManagedFields drops managedFields before objects enter the cache:
// nothing in mayday reads them and they are a quarter of the heap.
func StripManagedFields(obj any) (any, error) {
	if m, err := meta.Accessor(obj); err == nil {
		m.SetManagedFields(nil)
	}
	return obj, nil
}

// Cache holds shared informers for workloads and the objects that record
// their revisions, and tells listeners what changed.
type Cache struct {
	factory informers.SharedInformerFactory
	deploy  cache.SharedIndexInformer
	sts     cache.SharedIndexInformer
	ds      cache.SharedIndexInformer
	rs      cache.SharedIndexInformer
	cr      cache.SharedIndexInformer
	pods    cache.SharedIndexInformer
	hpa     cache.SharedIndexInformer
	changes *Changes
	health  *connHealth
	client  kubernetes.Interface
	every   time.Duration
}

// Probe settings: informers retry a lost connection quietly, so the cache
// also asks the server for its version now and then, to say honestly
// whether the data on screen is live.
const (
	probeEvery   = 5 * time.Second
	probeTimeout = 3 * time.Second
)

// NewCache builds informers for one namespace ("" for all namespaces).
func NewCache(client kubernetes.Interface, namespace string) *Cache {
	f := informers.NewSharedInformerFactoryWithOptions(client, 0,
		informers.WithNamespace(namespace), informers.WithTransform(StripManagedFields))
	c := &Cache{
		factory: f,
		deploy:  f.Apps().V1().Deployments().Informer(),
		sts:     f.Apps().V1().StatefulSets().Informer(),
		ds:      f.Apps().V1().DaemonSets().Informer(),
		rs:      f.Apps().V1().ReplicaSets().Informer(),
		cr:      f.Apps().V1().ControllerRevisions().Informer(),
		pods:    f.Core().V1().Pods().Informer(),
		hpa:     f.Autoscaling().V2().HorizontalPodAutoscalers().Informer(),
		changes: NewChanges(),
		health:  &connHealth{},
		client:  client,
		every:   probeEvery,
	}
	idx := cache.Indexers{ControllerIndex: controllerUID}
	for _, inf := range []cache.SharedIndexInformer{c.rs, c.cr, c.pods} {
		_ = inf.AddIndexers(idx)
	}
	for _, inf := range c.informers() {
		_, _ = inf.AddEventHandler(c.handler())
		_ = inf.SetWatchErrorHandlerWithContext(func(_ context.Context, _ *cache.Reflector, err error) {
			// A refusal names the resource and namespace in one line.
			c.health.failed(ExplainListError(err, namespace))
		})
	}
	return c
}

func (c *Cache) informers() []cache.SharedIndexInformer {
	return []cache.SharedIndexInformer{c.deploy, c.sts, c.ds, c.rs, c.cr, c.pods, c.hpa}
}

// SetProbeInterval changes how often the connection is probed (before Start).
func (c *Cache) SetProbeInterval(every time.Duration) { c.every = every }

// Start runs the informers, and the connection probe, until ctx is done.
func (c *Cache) Start(ctx context.Context) {
	c.factory.Start(ctx.Done())
	go c.probe(ctx)
}

func (c *Cache) probe(ctx context.Context) {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		c.probeOnce(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (c *Cache) probeOnce(ctx context.Context) {
	done := make(chan error, 1)
	// ServerVersion takes no context; the timeout is enforced here so a
	// frozen server cannot stall the probe.
	go func() { _, err := c.client.Discovery().ServerVersion(); done <- err }()
	select {
	case <-ctx.Done():
	case err := <-done:
		if err != nil {
			c.health.failed(err)
		} else {
			c.health.reached()
		}
	case <-time.After(probeTimeout):
		c.health.failed(fmt.Errorf("the API server did not answer within %s", probeTimeout))
	}
}

// WaitForSync blocks until every informer has listed once or ctx ends.
func (c *Cache) WaitForSync(ctx context.Context) error {
	for _, inf := range c.informers() {
		if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
			return fmt.Errorf("the cluster did not answer before the cache synced: %w", context.Cause(ctx))
		}
	}
	return nil
}

// Synced reports whether every informer has listed once.
func (c *Cache) Synced() bool {
	for _, inf := range c.informers() {
		if !inf.HasSynced() {
			return false
		}
	}
	return true
}

// Changes tells which workloads changed; see Changes.Wait.
func (c *Cache) Changes() *Changes { return c.changes }

// Health reports the connection state as seen by the informers.
func (c *Cache) Health() Health {
	h := c.health.get()
	if h.Forbidden != nil && c.Synced() {
		h.Forbidden = nil // every list went through since
	}
	return h
}

// Deployments, StatefulSets and DaemonSets list the cached workloads.
func (c *Cache) Deployments() []*appsv1.Deployment { return listAll[appsv1.Deployment](c.deploy) }
func (c *Cache) StatefulSets() []*appsv1.StatefulSet {
	return listAll[appsv1.StatefulSet](c.sts)
}
func (c *Cache) DaemonSets() []*appsv1.DaemonSet { return listAll[appsv1.DaemonSet](c.ds) }

func listAll[T any](inf cache.SharedIndexInformer) []*T {
	items := inf.GetStore().List()
	out := make([]*T, 0, len(items))
	for _, it := range items {
		if t, ok := it.(*T); ok {
			out = append(out, t)
		}
	}
	return out
}

// Reader returns a rollout.Reader over the cache.
func (c *Cache) Reader() CacheReader { return CacheReader{c: c} }

// CacheReader reads from the informer caches: no request reaches the API.
type CacheReader struct{ c *Cache }

func (r CacheReader) Deployment(_ context.Context, ns, name string) (*appsv1.Deployment, error) {
	return getByKey[appsv1.Deployment](r.c.deploy, ns, name, appsv1.Resource("deployments"))
}

func (r CacheReader) StatefulSet(_ context.Context, ns, name string) (*appsv1.StatefulSet, error) {
	return getByKey[appsv1.StatefulSet](r.c.sts, ns, name, appsv1.Resource("statefulsets"))
}

func (r CacheReader) DaemonSet(_ context.Context, ns, name string) (*appsv1.DaemonSet, error) {
	return getByKey[appsv1.DaemonSet](r.c.ds, ns, name, appsv1.Resource("daemonsets"))
}

func (r CacheReader) ReplicaSetsFor(_ context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	return ownedBy[appsv1.ReplicaSet](r.c.rs, owner, sel)
}

func (r CacheReader) ControllerRevisionsFor(_ context.Context, owner metav1.Object, sel labels.Selector) ([]*appsv1.ControllerRevision, error) {
	return ownedBy[appsv1.ControllerRevision](r.c.cr, owner, sel)
}

func (r CacheReader) PodsFor(_ context.Context, owner metav1.Object, sel labels.Selector) ([]*corev1.Pod, error) {
	return ownedBy[corev1.Pod](r.c.pods, owner, sel)
}

func (r CacheReader) HorizontalPodAutoscalers(_ context.Context, ns string) ([]*autoscalingv2.HorizontalPodAutoscaler, error) {
	items, err := r.c.hpa.GetIndexer().ByIndex(cache.NamespaceIndex, ns)
	if err != nil {
		return nil, err
	}
	out := make([]*autoscalingv2.HorizontalPodAutoscaler, 0, len(items))
	for _, it := range items {
		out = append(out, it.(*autoscalingv2.HorizontalPodAutoscaler))
	}
	return out, nil
}

// ownedBy looks objects up by controller UID, then applies the selector:
// kubectl requires both the selector match and the controller reference.
func ownedBy[T any, PT interface {
	*T
	metav1.Object
}](inf cache.SharedIndexInformer, owner metav1.Object, sel labels.Selector) ([]PT, error) {
	items, err := inf.GetIndexer().ByIndex(ControllerIndex, string(owner.GetUID()))
	if err != nil {
		return nil, err
	}
	out := make([]PT, 0, len(items))
	for _, it := range items {
		p, ok := it.(PT)
		if !ok || p.GetNamespace() != owner.GetNamespace() || !sel.Matches(labels.Set(p.GetLabels())) {
			continue
		}
		if metav1.IsControlledBy(p, owner) {
			out = append(out, p)
		}
	}
	return out, nil
}

// connHealth remembers the last watch failure and the last event.
type connHealth struct {
	mu      sync.Mutex
	lastErr error
	// forbidden is a refused list: the server answers, so the probe does
	// not clear it; it stands until every informer has synced.
	forbidden error
	lastErrAt time.Time
	lastEvent time.Time
}

// Health is the connection state: Connected is false after a watch failed
// and before the next event arrived.
type Health struct {
	Connected bool
	LastError error
	LastEvent time.Time
	// Forbidden is set while an informer's list is refused (403).
	Forbidden error
}

func (h *connHealth) failed(err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	var fe *ListForbiddenError
	if errors.As(err, &fe) {
		h.forbidden = err
		return
	}
	h.lastErr, h.lastErrAt = err, time.Now()
}

// reached records a successful probe: the server answers again.
func (h *connHealth) reached() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastErr = nil
}

func (h *connHealth) event() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.lastEvent = time.Now()
	if h.lastErr != nil && h.lastEvent.After(h.lastErrAt) {
		h.lastErr = nil
	}
}

func (h *connHealth) get() Health {
	h.mu.Lock()
	defer h.mu.Unlock()
	return Health{Connected: h.lastErr == nil, LastError: h.lastErr, LastEvent: h.lastEvent, Forbidden: h.forbidden}
}
