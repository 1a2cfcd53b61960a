package demo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"
)

// sim runs the simulated controllers and kubelet. All of its methods run
// on the one controller goroutine; it talks to the cluster only through
// the client, as real controllers do.
type sim struct {
	cs    kubernetes.Interface
	now   func() time.Time
	speed float64
	// wrote records that the current pass changed something, so another
	// pass follows at once instead of at the next tick.
	wrote bool
	// errs counts failed writes (conflicts with a concurrent writer are
	// expected; the next pass retries from fresh reads).
	errs int
	// events numbers the events recorded, so that names stay unique when
	// the clock stands still.
	events int64
}

// run drives the controllers until ctx is done: a pass at every tick and
// whenever a workload changes, repeated while passes keep changing things.
func (s *sim) run(ctx context.Context, cs *fake.Clientset) {
	trigger := make(chan struct{}, 1)
	poke := func() {
		select {
		case trigger <- struct{}{}:
		default:
		}
	}
	opts := metav1.ListOptions{}
	var watches []watch.Interface
	for _, open := range []func() (watch.Interface, error){
		func() (watch.Interface, error) { return cs.AppsV1().Deployments("").Watch(ctx, opts) },
		func() (watch.Interface, error) { return cs.AppsV1().ReplicaSets("").Watch(ctx, opts) },
		func() (watch.Interface, error) { return cs.AppsV1().StatefulSets("").Watch(ctx, opts) },
		func() (watch.Interface, error) { return cs.AppsV1().DaemonSets("").Watch(ctx, opts) },
	} {
		w, err := open()
		if err != nil {
			continue
		}
		watches = append(watches, w)
		go func() {
			for range w.ResultChan() {
				poke()
			}
		}()
	}
	defer func() {
		for _, w := range watches {
			w.Stop()
		}
	}()
	ticker := time.NewTicker(s.tick())
	defer ticker.Stop()
	lastTrim := time.Now()
	for {
		for i := 0; i < 50 && ctx.Err() == nil && s.pass(ctx); i++ {
		}
		// The fake clientset records every request forever; trim the
		// record now and then so a long demo session does not grow.
		if time.Since(lastTrim) > actionLogTrimEvery {
			cs.ClearActions()
			lastTrim = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
		case <-trigger:
		}
	}
}

// actionLogTrimEvery is how often a running cluster clears the fake
// clientset's record of requests.
const actionLogTrimEvery = 5 * time.Minute

// tick is the controllers' resync period: 250 ms at Speed 1, shorter when
// faster, never below 5 ms.
func (s *sim) tick() time.Duration {
	return min(max(time.Duration(float64(250*time.Millisecond)/s.speed), 5*time.Millisecond), 250*time.Millisecond)
}

// state is one consistent read of everything the controllers look at.
type state struct {
	nodes      []*corev1.Node
	nodeByName map[string]*corev1.Node
	pods       []*corev1.Pod
	rss        []*appsv1.ReplicaSet
	crs        []*appsv1.ControllerRevision
	deploys    []*appsv1.Deployment
	sets       []*appsv1.StatefulSet
	daemons    []*appsv1.DaemonSet
}

func (s *sim) read(ctx context.Context) (*state, error) {
	st := &state{nodeByName: map[string]*corev1.Node{}}
	nodes, err := s.cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		st.nodes = append(st.nodes, n)
		st.nodeByName[n.Name] = n
	}
	pods, err := s.cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	st.pods = ptrs(pods.Items)
	rss, err := s.cs.AppsV1().ReplicaSets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	st.rss = ptrs(rss.Items)
	crs, err := s.cs.AppsV1().ControllerRevisions("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	st.crs = ptrs(crs.Items)
	ds, err := s.cs.AppsV1().Deployments("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	st.deploys = ptrs(ds.Items)
	ss, err := s.cs.AppsV1().StatefulSets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	st.sets = ptrs(ss.Items)
	dss, err := s.cs.AppsV1().DaemonSets("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	st.daemons = ptrs(dss.Items)
	return st, nil
}

func ptrs[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}

// pass runs every controller once over a fresh read and reports whether it
// changed anything.
func (s *sim) pass(ctx context.Context) bool {
	s.wrote = false
	st, err := s.read(ctx)
	if err != nil {
		return false
	}
	now := s.now()
	// kubelet: pod statuses follow the clock.
	for _, p := range st.pods {
		if p.DeletionTimestamp != nil {
			continue
		}
		want := s.podStatus(p, now, st.nodeByName)
		if !apiequality.Semantic.DeepEqual(want, p.Status) {
			p.Status = want
			if out, err := s.cs.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); s.ok(err) {
				*p = *out
			}
		}
	}
	for _, rs := range st.rss {
		s.syncReplicaSet(ctx, st, rs, now)
	}
	for _, d := range st.deploys {
		s.syncDeployment(ctx, st, d, now)
	}
	for _, set := range st.sets {
		s.syncStatefulSet(ctx, st, set, now)
	}
	for _, ds := range st.daemons {
		s.syncDaemonSet(ctx, st, ds, now)
	}
	return s.wrote
}

// ok records the outcome of a write.
func (s *sim) ok(err error) bool {
	if err != nil {
		s.errs++
		return false
	}
	s.wrote = true
	return true
}

// owned returns the items whose controller owner reference is uid.
func owned[T metav1.Object](items []T, uid types.UID) []T {
	var out []T
	for _, it := range items {
		if ref := metav1.GetControllerOfNoCopy(it); ref != nil && ref.UID == uid {
			out = append(out, it)
		}
	}
	return out
}

func livePods(pods []*corev1.Pod) []*corev1.Pod {
	return slices.DeleteFunc(slices.Clone(pods), func(p *corev1.Pod) bool { return p.DeletionTimestamp != nil })
}

// createPod creates a pod for owner from template (scheduling it on a node
// at once) and adds it to the state.
func (s *sim) createPod(ctx context.Context, st *state, owner metav1.Object, kind string, name, generateName string,
	template *corev1.PodTemplateSpec, extraLabels map[string]string, node string) {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name: name, GenerateName: generateName, Namespace: owner.GetNamespace(),
			Labels:          mergeMaps(template.Labels, extraLabels),
			Annotations:     mergeMaps(template.Annotations, nil),
			OwnerReferences: []metav1.OwnerReference{controllerRef(owner, kind)},
		},
		Spec: *template.Spec.DeepCopy(),
	}
	if node == "" {
		node = s.schedule(st, p)
	}
	p.Spec.NodeName = node
	out, err := s.cs.CoreV1().Pods(p.Namespace).Create(ctx, p, metav1.CreateOptions{})
	if s.ok(err) {
		st.pods = append(st.pods, out)
	}
}

// schedule spreads pods over the nodes: the node with the fewest pods.
func (s *sim) schedule(st *state, _ *corev1.Pod) string {
	if len(st.nodes) == 0 {
		return ""
	}
	count := map[string]int{}
	for _, p := range st.pods {
		count[p.Spec.NodeName]++
	}
	best := st.nodes[0].Name
	for _, n := range st.nodes[1:] {
		if count[n.Name] < count[best] {
			best = n.Name
		}
	}
	return best
}

func (s *sim) deletePod(ctx context.Context, st *state, p *corev1.Pod) {
	if s.ok(s.cs.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{})) {
		st.pods = slices.DeleteFunc(st.pods, func(q *corev1.Pod) bool { return q.UID == p.UID })
	}
}

// event records a core/v1 Event as the controllers' event recorders do.
func (s *sim) event(ctx context.Context, obj metav1.Object, kind, component, eventType, reason, message string, now time.Time) {
	t := metav1.NewTime(now)
	s.events++
	ev := &corev1.Event{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x", obj.GetName(), now.UnixNano()+s.events), Namespace: obj.GetNamespace()},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID(),
			APIVersion: "apps/v1", ResourceVersion: obj.GetResourceVersion()},
		Reason: reason, Message: message, Type: eventType, Count: 1,
		Source:         corev1.EventSource{Component: component},
		FirstTimestamp: t, LastTimestamp: t,
		ReportingController: component, ReportingInstance: component + "-demo",
	}
	if _, err := s.cs.CoreV1().Events(ev.Namespace).Create(ctx, ev, metav1.CreateOptions{}); err != nil {
		s.errs++
	}
}

func controllerRef(owner metav1.Object, kind string) metav1.OwnerReference {
	apiVersion := "apps/v1"
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: owner.GetName(), UID: owner.GetUID(),
		Controller: new(true), BlockOwnerDeletion: new(true)}
}

func mergeMaps(a, b map[string]string) map[string]string {
	if len(a) == 0 && len(b) == 0 {
		return nil
	}
	out := make(map[string]string, len(a)+len(b))
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// ordinal parses the ordinal of a StatefulSet pod name (-1 if none).
func ordinal(setName, podName string) int {
	rest, ok := strings.CutPrefix(podName, setName+"-")
	if !ok {
		return -1
	}
	n := 0
	for _, r := range rest {
		if r < '0' || r > '9' {
			return -1
		}
		n = n*10 + int(r-'0')
	}
	if rest == "" {
		return -1
	}
	return n
}
