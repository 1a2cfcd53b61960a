package demo

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	clienttesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// A workload's timeline says how many running pods each of its revisions
// had at any time. Before the demo started it is derived from the
// revisions' history (each revision rolls out when it starts and stays
// until the next one; a crashing revision gets stuck part way); from then
// on it is what the simulated cluster actually runs, observed on a ticker
// and at every query.

// pastRollout is how long a rollout of the derived past takes.
const pastRollout = 20 * time.Second

type workloadID struct{ namespace, kind, name string }

func (id workloadID) String() string { return id.kind + "/" + id.namespace + "/" + id.name }

// podCount is the running pods of one revision.
type podCount struct {
	key  string
	pods float64
}

// podMix is the running pods of a workload by revision, sorted by key,
// without empty entries.
type podMix []podCount

func mixOf(counts map[string]float64) podMix {
	m := make(podMix, 0, len(counts))
	for k, n := range counts {
		if n > 0 {
			m = append(m, podCount{k, n})
		}
	}
	slices.SortFunc(m, func(a, b podCount) int { return cmp.Compare(a.key, b.key) })
	return m
}

func (m podMix) total() float64 {
	t := 0.0
	for _, c := range m {
		t += c.pods
	}
	return t
}

// lerp is the mix a fraction f of the way from a to b.
func lerp(a, b podMix, f float64) podMix {
	counts := map[string]float64{}
	for _, c := range a {
		counts[c.key] += (1 - f) * c.pods
	}
	for _, c := range b {
		counts[c.key] += f * c.pods
	}
	return mixOf(counts)
}

// segment: from start the pods move from `from` to `to` over ramp (at
// once when ramp is 0).
type segment struct {
	start    time.Time
	ramp     time.Duration
	from, to podMix
}

func (s *segment) at(t time.Time) podMix {
	d := t.Sub(s.start)
	if s.ramp <= 0 || d >= s.ramp {
		return s.to
	}
	return lerp(s.from, s.to, float64(d)/float64(s.ramp))
}

// timeline is one workload's history of pods per revision. Its revs map
// is replaced and its segs slice only appended to, under the source's
// lock, so a copy of the struct is a consistent snapshot.
type timeline struct {
	id   workloadID
	base baseline
	revs map[string]*revision
	segs []segment
}

func newTimeline(id workloadID) *timeline {
	return &timeline{id: id, base: baselineFor(id), revs: map[string]*revision{
		// The revision of pods older than the history that is kept.
		"": (&revision{seed: seedOf(id.String(), ""), memory: defaultMemory}).seedNoise(),
	}}
}

// mixAt is the pods at t; false before the workload existed.
func (tl *timeline) mixAt(t time.Time) (podMix, bool) {
	i := sort.Search(len(tl.segs), func(i int) bool { return tl.segs[i].start.After(t) }) - 1
	if i < 0 {
		return nil, false
	}
	return tl.segs[i].at(t), true
}

func (tl *timeline) revision(key string) *revision {
	if r, ok := tl.revs[key]; ok {
		return r
	}
	return tl.revs[""]
}

// shares are the revisions' parts of the workload at t, appended to buf;
// false when no pod runs.
func (tl *timeline) shares(t time.Time, buf []share) ([]share, bool) {
	m, ok := tl.mixAt(t)
	total := m.total()
	if !ok || total <= 0 {
		return buf[:0], false
	}
	buf = buf[:0]
	for _, c := range m {
		r := tl.revision(c.key)
		buf = append(buf, share{rev: r, pods: c.pods, weight: c.pods / total, levels: r.at(tl.base, t)})
	}
	return buf, true
}

// record appends what was observed at t.
func (tl *timeline) record(t time.Time, m podMix, revs map[string]*revision) {
	// A revision is replaced when it is new or renumbered (a rollback);
	// number 0 (seen only on a pod) never replaces a known one.
	newer := func(k string, r *revision) bool {
		old, ok := tl.revs[k]
		return !ok || (r.number != 0 && old.number != r.number)
	}
	var next map[string]*revision
	for k, r := range revs {
		if newer(k, r) {
			if next == nil {
				next = maps.Clone(tl.revs)
			}
			next[k] = r
		}
	}
	if next != nil {
		tl.revs = next
	}
	if n := len(tl.segs); n > 0 {
		last := tl.segs[n-1]
		if t.Before(last.start) || (last.ramp == 0 && slices.Equal(last.to, m)) {
			return
		}
	}
	tl.segs = append(tl.segs, segment{start: t, to: m})
}

// observation is one read of the cluster: running pods and revisions by
// workload.
type observation struct {
	at   time.Time
	pods map[workloadID]map[string]float64
	revs map[workloadID]map[string]*revision
}

// clusterRead is the objects the model looks at.
type clusterRead struct {
	pods []*corev1.Pod
	rss  []*appsv1.ReplicaSet
	// Read only when the source is created (the derived past).
	deploys []*appsv1.Deployment
	sets    []*appsv1.StatefulSet
	daemons []*appsv1.DaemonSet
	crs     []*appsv1.ControllerRevision
}

// readCluster reads the objects straight from the store, as a metrics
// pipeline scrapes them: no API request is made (and none recorded).
func readCluster(ctx context.Context, store clienttesting.ObjectTracker, workloads bool) (*clusterRead, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var r clusterRead
	var err error
	core, apps := corev1.SchemeGroupVersion, appsv1.SchemeGroupVersion
	if r.pods, err = listOf[*corev1.PodList](store, core, "pods", "Pod", func(l *corev1.PodList) []corev1.Pod { return l.Items }); err != nil {
		return nil, err
	}
	if r.rss, err = listOf[*appsv1.ReplicaSetList](store, apps, "replicasets", "ReplicaSet", func(l *appsv1.ReplicaSetList) []appsv1.ReplicaSet { return l.Items }); err != nil {
		return nil, err
	}
	if !workloads {
		return &r, nil
	}
	if r.deploys, err = listOf[*appsv1.DeploymentList](store, apps, "deployments", "Deployment", func(l *appsv1.DeploymentList) []appsv1.Deployment { return l.Items }); err != nil {
		return nil, err
	}
	if r.sets, err = listOf[*appsv1.StatefulSetList](store, apps, "statefulsets", "StatefulSet", func(l *appsv1.StatefulSetList) []appsv1.StatefulSet { return l.Items }); err != nil {
		return nil, err
	}
	if r.daemons, err = listOf[*appsv1.DaemonSetList](store, apps, "daemonsets", "DaemonSet", func(l *appsv1.DaemonSetList) []appsv1.DaemonSet { return l.Items }); err != nil {
		return nil, err
	}
	if r.crs, err = listOf[*appsv1.ControllerRevisionList](store, apps, "controllerrevisions", "ControllerRevision", func(l *appsv1.ControllerRevisionList) []appsv1.ControllerRevision { return l.Items }); err != nil {
		return nil, err
	}
	return &r, nil
}

// listOf lists one resource in every namespace.
func listOf[L runtime.Object, T any](store clienttesting.ObjectTracker, gv schema.GroupVersion, resource, kind string, items func(L) []T) ([]*T, error) {
	obj, err := store.List(gv.WithResource(resource), gv.WithKind(kind), metav1.NamespaceAll)
	if err != nil {
		return nil, fmt.Errorf("demo metrics: listing %s: %w", resource, err)
	}
	l, ok := obj.(L)
	if !ok {
		return nil, fmt.Errorf("demo metrics: listing %s: unexpected %T", resource, obj)
	}
	return ptrs(items(l)), nil
}

// observe counts the running pods of every workload by revision. A pod
// whose container crash-loops still counts: it keeps taking requests
// between its restarts, which is how a bad revision hurts.
func (r *clusterRead) observe(at time.Time) *observation {
	o := &observation{at: at, pods: map[workloadID]map[string]float64{}, revs: map[workloadID]map[string]*revision{}}
	addRev := func(id workloadID, rev *revision) {
		if o.revs[id] == nil {
			o.revs[id] = map[string]*revision{}
		}
		if old, ok := o.revs[id][rev.key]; !ok || old.number < rev.number {
			o.revs[id][rev.key] = rev
		}
	}
	rsByUID := map[types.UID]*appsv1.ReplicaSet{}
	for _, rs := range r.rss {
		rsByUID[rs.UID] = rs
		if owner := metav1.GetControllerOfNoCopy(rs); owner != nil && owner.Kind == "Deployment" {
			id := workloadID{rs.Namespace, "Deployment", owner.Name}
			key := rs.Labels[rollout.PodTemplateHashKey]
			n, _ := strconv.ParseInt(rs.Annotations[rollout.RevisionAnnotation], 10, 64)
			addRev(id, newRevision(id, key, n, &rs.Spec.Template.Spec))
			if o.pods[id] == nil {
				o.pods[id] = map[string]float64{}
			}
		}
	}
	for _, p := range r.pods {
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			continue
		}
		owner := metav1.GetControllerOfNoCopy(p)
		if owner == nil {
			continue
		}
		var id workloadID
		var key string
		switch owner.Kind {
		case "ReplicaSet":
			rs := rsByUID[owner.UID]
			if rs == nil {
				continue
			}
			d := metav1.GetControllerOfNoCopy(rs)
			if d == nil || d.Kind != "Deployment" {
				continue
			}
			id, key = workloadID{p.Namespace, "Deployment", d.Name}, p.Labels[rollout.PodTemplateHashKey]
		case "StatefulSet", "DaemonSet":
			id, key = workloadID{p.Namespace, owner.Kind, owner.Name}, p.Labels[rollout.ControllerRevisionHashKey]
			if _, ok := o.revs[id][key]; !ok {
				addRev(id, newRevision(id, key, 0, &p.Spec))
			}
		default:
			continue
		}
		if o.pods[id] == nil {
			o.pods[id] = map[string]float64{}
		}
		o.pods[id][key]++
	}
	return o
}

// pastRevision is a revision as its history tells it.
type pastRevision struct {
	rev      *revision
	numbers  []int64 // its number and the numbers it had before
	created  time.Time
	firstPod time.Time // its oldest pod alive when the demo started
}

// pastTimelines derives every workload's past up to the observation o.
func (r *clusterRead) pastTimelines(o *observation) map[workloadID]*timeline {
	out := map[workloadID]*timeline{}
	firstPod := func(match func(*corev1.Pod) bool) time.Time {
		var first time.Time
		for _, p := range r.pods {
			if p.DeletionTimestamp == nil && match(p) && (first.IsZero() || p.CreationTimestamp.Time.Before(first)) {
				first = p.CreationTimestamp.Time
			}
		}
		return first
	}
	add := func(obj metav1.Object, kind string, revs []*pastRevision, replicas float64, stuck func(podMix, string) podMix) {
		id := workloadID{obj.GetNamespace(), kind, obj.GetName()}
		tl := newTimeline(id)
		for _, pr := range revs {
			tl.revs[pr.rev.key] = pr.rev
		}
		observed := mixOf(o.pods[id])
		tl.segs = pastSegments(obj.GetCreationTimestamp().Time, revs, replicas, stuck, observed, o.at)
		out[id] = tl
	}
	for _, d := range r.deploys {
		id := workloadID{d.Namespace, "Deployment", d.Name}
		var revs []*pastRevision
		for _, rs := range r.rss {
			if !metav1.IsControlledBy(rs, d) {
				continue
			}
			n, err := strconv.ParseInt(rs.Annotations[rollout.RevisionAnnotation], 10, 64)
			if err != nil {
				continue
			}
			numbers := []int64{n}
			for _, s := range strings.Split(rs.Annotations[rollout.RevisionHistoryAnnotation], ",") {
				if m, err := strconv.ParseInt(s, 10, 64); err == nil {
					numbers = append(numbers, m)
				}
			}
			revs = append(revs, &pastRevision{
				rev: newRevision(id, rs.Labels[rollout.PodTemplateHashKey], n, &rs.Spec.Template.Spec), numbers: numbers,
				created: rs.CreationTimestamp.Time, firstPod: firstPod(func(p *corev1.Pod) bool { return metav1.IsControlledBy(p, rs) }),
			})
		}
		surge, unavailable := fenceposts(d)
		replicas := float64(replicasOf(d.Spec.Replicas))
		add(d, "Deployment", revs, replicas, func(prev podMix, key string) podMix {
			return stuckMix(prev, key, min(float64(surge+unavailable), replicas), replicas-float64(unavailable))
		})
	}
	type revisionOwner struct {
		obj      metav1.Object
		kind     string
		template *corev1.PodTemplateSpec
		replicas float64
		podKey   func(*appsv1.ControllerRevision) string
	}
	var owners []revisionOwner
	for _, s := range r.sets {
		owners = append(owners, revisionOwner{s, "StatefulSet", &s.Spec.Template, float64(replicasOf(s.Spec.Replicas)),
			func(cr *appsv1.ControllerRevision) string { return cr.Name }})
	}
	for _, ds := range r.daemons {
		pods := 0.0
		for _, p := range r.pods {
			if p.DeletionTimestamp == nil && metav1.IsControlledBy(p, ds) {
				pods++
			}
		}
		owners = append(owners, revisionOwner{ds, "DaemonSet", &ds.Spec.Template, pods,
			func(cr *appsv1.ControllerRevision) string { return cr.Labels[rollout.ControllerRevisionHashKey] }})
	}
	for _, w := range owners {
		id := workloadID{w.obj.GetNamespace(), w.kind, w.obj.GetName()}
		var revs []*pastRevision
		for _, cr := range r.crs {
			if !metav1.IsControlledBy(cr, w.obj) {
				continue
			}
			key := w.podKey(cr)
			spec := &w.template.Spec
			if t, err := revisionTemplate(cr); err == nil {
				spec = &t.Spec
			}
			revs = append(revs, &pastRevision{
				rev: newRevision(id, key, cr.Revision, spec), numbers: []int64{cr.Revision}, created: cr.CreationTimestamp.Time,
				firstPod: firstPod(func(p *corev1.Pod) bool {
					return metav1.IsControlledBy(p, w.obj) && p.Labels[rollout.ControllerRevisionHashKey] == key
				}),
			})
		}
		// Stateful and daemon sets replace one pod at a time.
		add(w.obj, w.kind, revs, w.replicas, func(prev podMix, key string) podMix {
			return stuckMix(prev, key, min(1, w.replicas), w.replicas-1)
		})
	}
	return out
}

// revisionTemplate decodes the pod template a ControllerRevision records.
func revisionTemplate(cr *appsv1.ControllerRevision) (*corev1.PodTemplateSpec, error) {
	var data struct {
		Spec struct {
			Template corev1.PodTemplateSpec `json:"template"`
		} `json:"spec"`
	}
	if err := json.Unmarshal(cr.Data.Raw, &data); err != nil {
		return nil, err
	}
	return &data.Spec.Template, nil
}

// stuckMix is a rollout of key stuck with newPods new pods and oldPods of
// the previous revisions left.
func stuckMix(prev podMix, key string, newPods, oldPods float64) podMix {
	counts := map[string]float64{key: newPods}
	others := 0.0
	for _, c := range prev {
		if c.key != key {
			others += c.pods
		}
	}
	for _, c := range prev {
		if c.key != key && others > 0 {
			counts[c.key] += c.pods / others * max(oldPods, 0)
		}
	}
	return mixOf(counts)
}

// pastSegments turns a workload's revisions into its timeline up to t0: a
// revision starts when its object was created (for its first number) or,
// when a rollback took it up again, when its current pods were created;
// each rolls out over pastRollout, to all replicas, or stuck part way when
// its image crashes; the newest one ends at what was observed at t0.
func pastSegments(created time.Time, revs []*pastRevision, replicas float64, stuck func(podMix, string) podMix, observed podMix, t0 time.Time) []segment {
	type entry struct {
		n     int64
		pr    *pastRevision
		start time.Time
		known bool
	}
	var es []entry
	for _, pr := range revs {
		for _, n := range pr.numbers {
			es = append(es, entry{n: n, pr: pr})
		}
	}
	slices.SortFunc(es, func(a, b entry) int { return cmp.Compare(a.n, b.n) })
	var prev time.Time
	for i := range es {
		e := &es[i]
		if e.n == slices.Min(e.pr.numbers) && e.pr.created.After(prev) && !e.pr.created.After(t0) {
			e.start, e.known, prev = e.pr.created, true, e.pr.created
		}
	}
	if n := len(es); n > 0 && !es[n-1].known {
		// Its pods were created a few seconds into the rollout.
		if at := es[n-1].pr.firstPod.Add(-4 * time.Second); at.After(prev) && !at.After(t0) {
			es[n-1].start, es[n-1].known = at, true
		}
	}
	for i := range es {
		if es[i].known {
			continue
		}
		lo, hi := created, t0
		for j := i - 1; j >= 0; j-- {
			if es[j].known {
				lo = es[j].start
				break
			}
		}
		for j := i + 1; j < len(es); j++ {
			if es[j].known {
				hi = es[j].start
				break
			}
		}
		es[i].start = lo.Add(hi.Sub(lo) / 2)
	}

	var segs []segment
	var before podMix
	if len(es) == 0 || created.Before(es[0].start) {
		before = podMix{{key: "", pods: replicas}}
		segs = append(segs, segment{start: created, to: before})
	}
	for i, e := range es {
		var final podMix
		switch {
		case i == len(es)-1:
			final = observed
		case e.pr.rev.bad:
			final = stuck(before, e.pr.rev.key)
		default:
			final = podMix{{key: e.pr.rev.key, pods: replicas}}
		}
		segs = append(segs, segment{start: e.start, ramp: pastRollout, from: before, to: final})
		before = final
	}
	return segs
}
