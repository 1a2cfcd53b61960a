// Package workload turns the informer cache into what the console shows:
// one Row per workload, and the Cluster the root model reads through. It
// runs inside commands (off the Update goroutine); Update only receives
// the finished rows.
package workload

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// Row is one workload as the finder lists it. Display strings are already
// escaped (textsafe): a name cannot carry terminal control sequences onto
// the screen. Ref keeps the exact names for lookups.
type Row struct {
	Ref       rollout.Ref
	Namespace string // escaped for display
	Name      string // escaped for display
	// Key is what the fuzzy filter matches: Name, or Namespace/Name when the
	// console spans all namespaces.
	Key     string
	Ready   int32
	Desired int32
	// Revision is the current revision number, 0 when unknown.
	Revision int64
	// LastRollout is when the current revision last started or finished
	// rolling out, zero when unknown.
	LastRollout time.Time
	Phase       rollout.Phase
	Message     string // escaped
	UID         types.UID
	// Incident is the mayday.dev/incident annotation: the incident a
	// mayday action on this workload was part of (escaped; "" none), and
	// IncidentBy the actor of that action (mayday.dev/actor).
	Incident   string
	IncidentBy string
}

// Change names a changed object; see kube.Key.
type Change = kube.Key

// Health is the connection state the status bar shows.
type Health struct {
	Connected bool
	Err       error
	LastEvent time.Time
	// Synced is true once every informer has listed once.
	Synced bool
	// Forbidden says which list the server refuses (the server answers).
	Forbidden error
}

// Cluster is what the console reads. The tui declares it; CacheCluster
// implements it over kube.Cache, tests implement it with fixed rows.
type Cluster interface {
	// Workloads is a snapshot of every workload, sorted.
	Workloads() []Row
	// WaitForChange blocks until something changed (or ctx ends) and
	// returns every change since the last call.
	WaitForChange(ctx context.Context) ([]Change, error)
	Health() Health
	// Reader reads workloads and their revisions (from the cache).
	Reader() rollout.Reader
}

// CacheCluster adapts an informer cache.
type CacheCluster struct {
	Cache         *kube.Cache
	AllNamespaces bool
}

// Workloads builds rows from the cache.
func (c CacheCluster) Workloads() []Row {
	return Rows(c.Cache, c.AllNamespaces)
}

// WaitForChange waits on the cache's coalesced change set.
func (c CacheCluster) WaitForChange(ctx context.Context) ([]Change, error) {
	return c.Cache.Changes().Wait(ctx)
}

// Health reports the informers' connection state.
func (c CacheCluster) Health() Health {
	h := c.Cache.Health()
	return Health{Connected: h.Connected, Err: h.LastError, LastEvent: h.LastEvent, Synced: c.Cache.Synced(), Forbidden: h.Forbidden}
}

// Reader reads from the cache.
func (c CacheCluster) Reader() rollout.Reader { return c.Cache.Reader() }

// Rows lists every cached workload as a row, sorted by namespace, name and
// kind.
func Rows(c *kube.Cache, allNamespaces bool) []Row {
	ctx := context.Background()
	r := c.Reader()
	deps, stss, dss := c.Deployments(), c.StatefulSets(), c.DaemonSets()
	out := make([]Row, 0, len(deps)+len(stss)+len(dss))
	for _, d := range deps {
		out = append(out, DeploymentRow(d, allNamespaces))
	}
	for _, s := range stss {
		row := newRow(rollout.StatefulSet, &s.ObjectMeta, rollout.StatefulSetStatus(s), allNamespaces)
		if crs, err := controllerRevisions(ctx, r, s, s.Spec.Selector); err == nil {
			cur := currentCR(crs, s.Status.UpdateRevision)
			if cur != nil {
				row.Revision, row.LastRollout = cur.Revision, cur.CreationTimestamp.Time
			}
		}
		out = append(out, row)
	}
	for _, d := range dss {
		row := newRow(rollout.DaemonSet, &d.ObjectMeta, rollout.DaemonSetStatus(d), allNamespaces)
		if crs, err := controllerRevisions(ctx, r, d, d.Spec.Selector); err == nil {
			if cur := currentCR(crs, ""); cur != nil {
				row.Revision, row.LastRollout = cur.Revision, cur.CreationTimestamp.Time
			}
		}
		out = append(out, row)
	}
	Sort(out)
	PackKeys(out)
	return out
}

// PackKeys copies the rows' filter keys into one contiguous string, in row
// order. Filtering 100k keys is bound by memory latency when each key sits
// in its own heap allocation; packed, the scan is sequential and several
// times faster.
func PackKeys(rows []Row) {
	n := 0
	for i := range rows {
		n += len(rows[i].Key)
	}
	var b strings.Builder
	b.Grow(n)
	for i := range rows {
		b.WriteString(rows[i].Key)
	}
	all := b.String()
	at := 0
	for i := range rows {
		l := len(rows[i].Key)
		rows[i].Key = all[at : at+l]
		at += l
	}
}

// Sort orders rows by namespace, name, then kind.
func Sort(rows []Row) {
	slices.SortFunc(rows, func(a, b Row) int {
		if c := strings.Compare(a.Ref.Namespace, b.Ref.Namespace); c != 0 {
			return c
		}
		if c := strings.Compare(a.Ref.Name, b.Ref.Name); c != 0 {
			return c
		}
		return strings.Compare(string(a.Ref.Kind), string(b.Ref.Kind))
	})
}

// DeploymentRow reads a Deployment's row from the object alone: its
// revision annotation is the current revision (the controller keeps it
// equal to the new ReplicaSet's), and the Progressing condition's last
// update is when the last rollout moved (started, progressed or finished).
func DeploymentRow(d *appsv1.Deployment, allNamespaces bool) Row {
	row := newRow(rollout.Deployment, &d.ObjectMeta, rollout.DeploymentStatus(d), allNamespaces)
	if v, ok := d.Annotations[rollout.RevisionAnnotation]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			row.Revision = n
		}
	}
	row.LastRollout = d.CreationTimestamp.Time
	for _, c := range d.Status.Conditions {
		if c.Type == appsv1.DeploymentProgressing && !c.LastUpdateTime.IsZero() {
			row.LastRollout = c.LastUpdateTime.Time
		}
	}
	return row
}

func newRow(kind rollout.Kind, m *metav1.ObjectMeta, st rollout.Status, allNamespaces bool) Row {
	row := Row{
		Ref:       rollout.Ref{Kind: kind, Namespace: m.Namespace, Name: m.Name},
		Namespace: textsafe.String(m.Namespace),
		Name:      textsafe.String(m.Name),
		Ready:     st.Ready,
		Desired:   st.Desired,
		Phase:     st.Phase,
		Message:   textsafe.String(st.Message),
		UID:       m.UID,
		// The annotations of a mayday action, so another engineer's
		// console sees an incident in progress on the workload.
		Incident:   textsafe.String(m.Annotations[rollout.IncidentAnnotation]),
		IncidentBy: textsafe.String(m.Annotations[rollout.ActorAnnotation]),
	}
	row.Key = row.Name
	if allNamespaces {
		row.Key = row.Namespace + "/" + row.Name
	}
	return row
}

func controllerRevisions(ctx context.Context, r rollout.Reader, owner metav1.Object, ls *metav1.LabelSelector) ([]*appsv1.ControllerRevision, error) {
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, err
	}
	return r.ControllerRevisionsFor(ctx, owner, sel)
}

// currentCR is the revision named by the status' update revision, else the
// highest: both controllers renumber the revision they roll to as the
// highest, rollbacks included.
func currentCR(crs []*appsv1.ControllerRevision, updateRevision string) *appsv1.ControllerRevision {
	var best *appsv1.ControllerRevision
	for _, cr := range crs {
		if updateRevision != "" && cr.Name == updateRevision {
			return cr
		}
		if best == nil || cr.Revision > best.Revision {
			best = cr
		}
	}
	return best
}

// HealthTarget is the workload as the metrics package queries it: with
// each revision's pod-template hash mapped to its number (from hist, when
// read), so per-revision series are named "rev 6".
func HealthTarget(ref rollout.Ref, hist *rollout.History) metrics.Target {
	t := metrics.Target{Namespace: ref.Namespace, Kind: string(ref.Kind), Name: ref.Name}
	if hist == nil {
		return t
	}
	t.Revisions = make(map[string]int64, len(hist.Revisions))
	for _, r := range hist.Revisions {
		if r.Source.Hash != "" {
			t.Revisions[r.Source.Hash] = r.Number
		}
	}
	return t
}
