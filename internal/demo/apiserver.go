package demo

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"time"

	jsonpatch "gopkg.in/evanphx/json-patch.v4"
	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/yaml"
)

// apiServer adds to client-go's fake object tracker the API server
// behaviour mayday relies on and the tracker lacks (checked against
// k8s.io/client-go@v0.37.2/testing/fixture.go):
//
//   - metadata.resourceVersion set on every write from one monotonically
//     increasing counter (the tracker keeps versions per resource type, out
//     of the objects), and list resourceVersions from the same counter;
//   - optimistic concurrency: an update, or a patch whose result carries a
//     resourceVersion other than the stored one, fails with 409 Conflict,
//     as do delete preconditions that do not hold;
//   - metadata.generation set to 1 on create and bumped when the spec
//     changes (and, for Deployments, when annotations change);
//   - the status subresource: a main-resource write keeps the stored
//     status, a status write keeps the stored spec;
//   - dryRun=All: creates, updates, patches and deletes answer the would-be
//     object and persist nothing;
//   - server-set uid and creationTimestamp, generateName, no-op writes that
//     change nothing (no new resourceVersion, no watch event), creation in a
//     missing namespace refused, background cascading deletion of dependents;
//   - SelfSubjectAccessReview / SelfSubjectRulesReview / SubjectAccessReview
//     answer "allowed" without being stored; SelfSubjectReview answers User;
//   - watches that never panic on a slow reader (the tracker's watch channel
//     panics once 100 events are unread), honour label and field selectors
//     and resume from a resourceVersion;
//   - field selectors on lists (metadata.name, metadata.namespace and the
//     usual per-kind fields).
//
// Reactors run under the fake clientset's lock, so each request is atomic
// with respect to every other request; mu guards the counter and the random
// source against direct use outside a request (seeding).
type apiServer struct {
	tracker clienttesting.ObjectTracker
	now     func() time.Time

	mu    sync.Mutex
	rv    int64
	rng   *rand.Rand
	kinds map[schema.GroupVersionResource]schema.GroupVersionKind

	wmu      sync.Mutex
	watchers []*watcher
}

// resourceRule says how the API server treats writes of a resource.
type resourceRule struct {
	status     bool // has a status subresource
	generation bool // generation tracks spec changes
	// annotationGeneration: annotation changes bump the generation too
	// (Deployments, whose annotations are copied to ReplicaSets).
	annotationGeneration bool
	// statusKeepsLabels: a status write keeps the stored labels.
	statusKeepsLabels bool
}

var resourceRules = map[schema.GroupResource]resourceRule{
	{Group: "apps", Resource: "deployments"}:                     {status: true, generation: true, annotationGeneration: true, statusKeepsLabels: true},
	{Group: "apps", Resource: "statefulsets"}:                    {status: true, generation: true},
	{Group: "apps", Resource: "daemonsets"}:                      {status: true, generation: true},
	{Group: "apps", Resource: "replicasets"}:                     {status: true, generation: true, statusKeepsLabels: true},
	{Group: "", Resource: "pods"}:                                {status: true, generation: true},
	{Group: "autoscaling", Resource: "horizontalpodautoscalers"}: {status: true},
	{Group: "", Resource: "nodes"}:                               {status: true},
	{Group: "", Resource: "namespaces"}:                          {status: true},
	{Group: "", Resource: "persistentvolumeclaims"}:              {status: true},
	{Group: "", Resource: "services"}:                            {status: true},
}

func newAPIServer(tracker clienttesting.ObjectTracker, now func() time.Time) *apiServer {
	return &apiServer{tracker: tracker, now: now, rng: rand.New(rand.NewPCG(0x6d61796461792121, 0x64656d6f))}
}

// install puts the server's reactors in front of the fake's defaults.
func (s *apiServer) install(f *clienttesting.Fake) {
	f.PrependReactor("*", "*", s.react)
	f.PrependWatchReactor("*", s.watch)
}

func (s *apiServer) nextRV() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rv++
	return strconv.FormatInt(s.rv, 10)
}

func (s *apiServer) currentRV() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strconv.FormatInt(s.rv, 10)
}

// newUID returns a random (version 4) UID from the server's seeded source,
// so that a seeded cluster is the same on every run.
func (s *apiServer) newUID() types.UID {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b [16]byte
	binary64(b[:8], s.rng.Uint64())
	binary64(b[8:], s.rng.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return types.UID(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

func binary64(b []byte, v uint64) {
	for i := range b {
		b[i] = byte(v >> (8 * i))
	}
}

// nameSuffix is apiserver's generateName suffix: 5 characters from an
// alphabet without vowels.
func (s *apiServer) nameSuffix() string {
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	s.mu.Lock()
	defer s.mu.Unlock()
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[s.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// add stores a seed object as if it had been created: it gets the next
// resourceVersion (uid and timestamps are the seed's own).
func (s *apiServer) add(obj runtime.Object) error {
	m, err := meta.Accessor(obj)
	if err != nil {
		return err
	}
	m.SetResourceVersion(s.nextRV())
	return s.tracker.Add(obj)
}

func (s *apiServer) react(action clienttesting.Action) (bool, runtime.Object, error) {
	switch a := action.(type) {
	case clienttesting.CreateActionImpl:
		return s.create(a)
	case clienttesting.UpdateActionImpl:
		obj, err := s.update(a)
		return true, obj, err
	case clienttesting.PatchActionImpl:
		obj, err := s.patch(a)
		return true, obj, err
	case clienttesting.DeleteActionImpl:
		obj, err := s.delete(a)
		return true, obj, err
	case clienttesting.ListActionImpl:
		obj, err := s.list(a)
		return true, obj, err
	}
	return false, nil, nil // get and the rest: the tracker's defaults
}

func isDryRun(values []string) (bool, error) {
	for _, v := range values {
		if v != metav1.DryRunAll {
			return false, apierrors.NewBadRequest(fmt.Sprintf("invalid dry run value %q: the only supported value is %q", v, metav1.DryRunAll))
		}
	}
	return len(values) > 0, nil
}

func (s *apiServer) create(a clienttesting.CreateActionImpl) (bool, runtime.Object, error) {
	gvr, ns := a.GetResource(), a.GetNamespace()
	if a.GetSubresource() != "" {
		return false, nil, nil
	}
	if obj, ok := s.review(a.GetObject()); ok {
		return true, obj, nil
	}
	dryRun, err := isDryRun(a.CreateOptions.DryRun)
	if err != nil {
		return true, nil, err
	}
	obj := a.GetObject().DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return true, nil, err
	}
	if m.GetNamespace() == "" {
		m.SetNamespace(ns)
	}
	if m.GetNamespace() != ns {
		return true, nil, apierrors.NewBadRequest(fmt.Sprintf("the namespace of the provided object (%s) does not match the namespace sent on the request (%s)", m.GetNamespace(), ns))
	}
	if m.GetName() == "" && m.GetGenerateName() != "" {
		m.SetName(m.GetGenerateName() + s.nameSuffix())
	}
	if m.GetName() == "" {
		return true, nil, apierrors.NewInvalid(gvkOf(obj).GroupKind(), "", nil)
	}
	if ns != "" {
		if _, err := s.tracker.Get(corev1.SchemeGroupVersion.WithResource("namespaces"), "", ns); apierrors.IsNotFound(err) {
			return true, nil, apierrors.NewNotFound(corev1.Resource("namespaces"), ns)
		}
	}
	rule := resourceRules[gvr.GroupResource()]
	m.SetUID(s.newUID())
	m.SetCreationTimestamp(metav1.NewTime(s.now()))
	m.SetDeletionTimestamp(nil)
	m.SetResourceVersion("")
	m.SetGeneration(0)
	if rule.generation {
		m.SetGeneration(1)
	}
	if rule.status {
		if st := field(obj, "Status"); st.IsValid() && st.CanSet() {
			st.Set(reflect.Zero(st.Type()))
		}
		if p, ok := obj.(*corev1.Pod); ok {
			p.Status.Phase = corev1.PodPending
		}
	}
	if dryRun {
		return true, obj, nil
	}
	m.SetResourceVersion(s.nextRV())
	if err := s.tracker.Create(gvr, obj, ns); err != nil {
		return true, nil, err
	}
	s.notify(gvr, ns, watch.Added, nil, obj)
	return true, obj.DeepCopyObject(), nil
}

// review answers the access and identity reviews without storing them.
func (s *apiServer) review(obj runtime.Object) (runtime.Object, bool) {
	allowed := authorizationv1.SubjectAccessReviewStatus{Allowed: true, Reason: "the demo cluster allows everything"}
	switch o := obj.(type) {
	case *authorizationv1.SelfSubjectAccessReview:
		out := o.DeepCopy()
		out.Status = allowed
		return out, true
	case *authorizationv1.SubjectAccessReview:
		out := o.DeepCopy()
		out.Status = allowed
		return out, true
	case *authorizationv1.LocalSubjectAccessReview:
		out := o.DeepCopy()
		out.Status = allowed
		return out, true
	case *authorizationv1.SelfSubjectRulesReview:
		out := o.DeepCopy()
		out.Status = authorizationv1.SubjectRulesReviewStatus{
			ResourceRules:    []authorizationv1.ResourceRule{{Verbs: []string{"*"}, APIGroups: []string{"*"}, Resources: []string{"*"}}},
			NonResourceRules: []authorizationv1.NonResourceRule{{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}}},
		}
		return out, true
	case *authenticationv1.SelfSubjectReview:
		out := o.DeepCopy()
		out.CreationTimestamp = metav1.NewTime(s.now())
		out.Status.UserInfo = authenticationv1.UserInfo{
			Username: User,
			UID:      "2f0c3b9e-4a51-4d0e-9a57-6d61796461790",
			Groups:   []string{"demo:oncall-engineers", "system:authenticated"},
		}
		return out, true
	}
	return nil, false
}

func (s *apiServer) update(a clienttesting.UpdateActionImpl) (runtime.Object, error) {
	dryRun, err := isDryRun(a.UpdateOptions.DryRun)
	if err != nil {
		return nil, err
	}
	obj := a.GetObject().DeepCopyObject()
	m, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	if m.GetNamespace() == "" {
		m.SetNamespace(a.GetNamespace())
	}
	old, err := s.tracker.Get(a.GetResource(), a.GetNamespace(), m.GetName())
	if err != nil {
		return nil, err
	}
	return s.write(a.GetResource(), a.GetSubresource(), old, obj, dryRun)
}

func (s *apiServer) patch(a clienttesting.PatchActionImpl) (runtime.Object, error) {
	dryRun, err := isDryRun(a.PatchOptions.DryRun)
	if err != nil {
		return nil, err
	}
	old, err := s.tracker.Get(a.GetResource(), a.GetNamespace(), a.GetName())
	if err != nil {
		return nil, err
	}
	current, err := json.Marshal(old)
	if err != nil {
		return nil, err
	}
	var patched []byte
	switch a.GetPatchType() {
	case types.JSONPatchType:
		p, err := jsonpatch.DecodePatch(a.GetPatch())
		if err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
		if patched, err = p.Apply(current); err != nil {
			return nil, apierrors.NewGenericServerResponse(http.StatusUnprocessableEntity, "patch", a.GetResource().GroupResource(), a.GetName(), err.Error(), 0, false)
		}
	case types.MergePatchType:
		if patched, err = jsonpatch.MergePatch(current, a.GetPatch()); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	case types.StrategicMergePatchType, types.ApplyPatchType, types.ApplyCBORPatchType:
		// Server-side apply is approximated as the tracker does: a strategic
		// merge of the applied configuration, without field ownership.
		p := a.GetPatch()
		if a.GetPatchType() != types.StrategicMergePatchType {
			if p, err = yaml.YAMLToJSON(p); err != nil {
				return nil, apierrors.NewBadRequest(err.Error())
			}
		}
		if patched, err = strategicpatch.StrategicMergePatch(current, p, old); err != nil {
			return nil, apierrors.NewBadRequest(err.Error())
		}
	default:
		return nil, apierrors.NewGenericServerResponse(http.StatusUnsupportedMediaType, "patch", a.GetResource().GroupResource(), a.GetName(), fmt.Sprintf("unsupported patch type %q", a.GetPatchType()), 0, false)
	}
	obj := reflect.New(reflect.TypeOf(old).Elem()).Interface().(runtime.Object)
	if err := json.Unmarshal(patched, obj); err != nil {
		return nil, apierrors.NewBadRequest(err.Error())
	}
	return s.write(a.GetResource(), a.GetSubresource(), old, obj, dryRun)
}

// write stores obj over old as the API server's update path does.
func (s *apiServer) write(gvr schema.GroupVersionResource, sub string, old, obj runtime.Object, dryRun bool) (runtime.Object, error) {
	om, err := meta.Accessor(old)
	if err != nil {
		return nil, err
	}
	nm, err := meta.Accessor(obj)
	if err != nil {
		return nil, err
	}
	gr := gvr.GroupResource()
	if nm.GetName() != om.GetName() || nm.GetNamespace() != om.GetNamespace() {
		return nil, apierrors.NewBadRequest(fmt.Sprintf("the name of the object (%s) does not match the name on the URL (%s)", nm.GetName(), om.GetName()))
	}
	if rv := nm.GetResourceVersion(); rv != "" && rv != om.GetResourceVersion() {
		return nil, apierrors.NewConflict(gr, om.GetName(), fmt.Errorf("the object has been modified; please apply your changes to the latest version and try again"))
	}
	if uid := nm.GetUID(); uid != "" && uid != om.GetUID() {
		return nil, apierrors.NewConflict(gr, om.GetName(), fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", uid, om.GetUID()))
	}
	rule := resourceRules[gr]
	switch sub {
	case "":
		if rule.status {
			copyField(obj, old, "Status")
		}
	case "status":
		copyField(obj, old, "Spec")
		if rule.statusKeepsLabels {
			nm.SetLabels(om.GetLabels())
		}
	default:
		return nil, apierrors.NewMethodNotSupported(gr, "update of subresource "+sub)
	}
	copyField(obj, old, "TypeMeta")
	nm.SetUID(om.GetUID())
	nm.SetCreationTimestamp(om.GetCreationTimestamp())
	nm.SetDeletionTimestamp(om.GetDeletionTimestamp())
	nm.SetGeneration(om.GetGeneration())
	nm.SetResourceVersion(om.GetResourceVersion())
	if sub == "" && rule.generation && field(obj, "Spec").IsValid() {
		specChanged := !apiequality.Semantic.DeepEqual(field(obj, "Spec").Interface(), field(old, "Spec").Interface())
		if specChanged || (rule.annotationGeneration && !apiequality.Semantic.DeepEqual(nm.GetAnnotations(), om.GetAnnotations())) {
			nm.SetGeneration(om.GetGeneration() + 1)
		}
	}
	if apiequality.Semantic.DeepEqual(obj, old) {
		return old, nil // a no-op write: nothing stored, no event
	}
	if dryRun {
		return obj, nil
	}
	nm.SetResourceVersion(s.nextRV())
	if err := s.tracker.Update(gvr, obj, om.GetNamespace()); err != nil {
		return nil, err
	}
	s.notify(gvr, om.GetNamespace(), watch.Modified, old, obj)
	return obj.DeepCopyObject(), nil
}

func (s *apiServer) delete(a clienttesting.DeleteActionImpl) (runtime.Object, error) {
	opts := a.DeleteOptions
	dryRun, err := isDryRun(opts.DryRun)
	if err != nil {
		return nil, err
	}
	gvr, ns, name := a.GetResource(), a.GetNamespace(), a.GetName()
	old, err := s.tracker.Get(gvr, ns, name)
	if err != nil {
		return nil, err
	}
	om, err := meta.Accessor(old)
	if err != nil {
		return nil, err
	}
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != om.GetUID() {
			return nil, apierrors.NewConflict(gvr.GroupResource(), name, fmt.Errorf("Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, om.GetUID()))
		}
		if p.ResourceVersion != nil && *p.ResourceVersion != om.GetResourceVersion() {
			return nil, apierrors.NewConflict(gvr.GroupResource(), name, fmt.Errorf("Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v", *p.ResourceVersion, om.GetResourceVersion()))
		}
	}
	if dryRun {
		return old, nil
	}
	if err := s.tracker.Delete(gvr, ns, name); err != nil {
		return nil, err
	}
	s.deleted(gvr, ns, old)
	orphan := opts.PropagationPolicy != nil && *opts.PropagationPolicy == metav1.DeletePropagationOrphan
	if !orphan && ns != "" {
		s.collectGarbage(ns, om.GetUID())
	}
	return old, nil
}

// deleted records a deletion: the watchers get the object with the
// deletion's resourceVersion, as from the API server.
func (s *apiServer) deleted(gvr schema.GroupVersionResource, ns string, obj runtime.Object) {
	obj = obj.DeepCopyObject()
	if m, err := meta.Accessor(obj); err == nil {
		m.SetResourceVersion(s.nextRV())
	} else {
		s.nextRV()
	}
	s.notify(gvr, ns, watch.Deleted, nil, obj)
}

// dependentResources are the kinds the garbage collector removes with
// their owner in the demo: ReplicaSets, ControllerRevisions and Pods.
var dependentResources = []schema.GroupVersionResource{
	{Group: "apps", Version: "v1", Resource: "replicasets"},
	{Group: "apps", Version: "v1", Resource: "controllerrevisions"},
	{Group: "", Version: "v1", Resource: "pods"},
}

// collectGarbage deletes, recursively, the objects owned by uid (the
// garbage collector's background propagation, done at once).
func (s *apiServer) collectGarbage(ns string, uid types.UID) {
	for _, gvr := range dependentResources {
		gvk, ok := s.kindFor(gvr)
		if !ok {
			continue
		}
		list, err := s.tracker.List(gvr, gvk, ns)
		if err != nil {
			continue
		}
		items, _ := meta.ExtractList(list)
		for _, item := range items {
			m, err := meta.Accessor(item)
			if err != nil || !slices.ContainsFunc(m.GetOwnerReferences(), func(r metav1.OwnerReference) bool { return r.UID == uid }) {
				continue
			}
			if s.tracker.Delete(gvr, ns, m.GetName()) == nil {
				s.deleted(gvr, ns, item)
				s.collectGarbage(ns, m.GetUID())
			}
		}
	}
}

func (s *apiServer) list(a clienttesting.ListActionImpl) (runtime.Object, error) {
	list, err := s.tracker.List(a.GetResource(), a.GetKind(), a.GetNamespace())
	if err != nil {
		return nil, err
	}
	r := a.GetListRestrictions()
	if r.Fields != nil && !r.Fields.Empty() {
		items, err := meta.ExtractList(list)
		if err != nil {
			return nil, err
		}
		kept := items[:0]
		for _, item := range items {
			ok, err := matchFields(r.Fields, item)
			if err != nil {
				return nil, err
			}
			if ok {
				kept = append(kept, item)
			}
		}
		if err := meta.SetList(list, kept); err != nil {
			return nil, err
		}
	}
	if lm, err := meta.ListAccessor(list); err == nil {
		lm.SetResourceVersion(s.currentRV())
	}
	return list, nil
}

// watch opens a watch fed by the write path (see watcher): events are
// buffered without bound, filtered by the selectors, and preceded by the
// existing objects the request asks for (all of them without a
// resourceVersion or with "0", else those written after it). Watch
// requests and writes both hold the fake clientset's lock, so nothing
// falls between the snapshot and the first event.
func (s *apiServer) watch(action clienttesting.Action) (bool, watch.Interface, error) {
	wa, ok := action.(clienttesting.WatchActionImpl)
	if !ok {
		return false, nil, nil
	}
	gvr, ns := wa.GetResource(), wa.GetNamespace()
	r := wa.GetWatchRestrictions()
	sel, fsel := r.Labels, r.Fields
	if sel == nil {
		sel = labels.Everything()
	}
	if fsel == nil {
		fsel = fields.Everything()
	}
	var from int64
	if r.ResourceVersion != "" {
		v, err := strconv.ParseInt(r.ResourceVersion, 10, 64)
		if err != nil {
			return true, nil, apierrors.NewBadRequest(fmt.Sprintf("invalid resourceVersion %q", r.ResourceVersion))
		}
		from = v
	}
	match := func(obj runtime.Object) bool {
		m, err := meta.Accessor(obj)
		if err != nil || !sel.Matches(labels.Set(m.GetLabels())) {
			return false
		}
		ok, err := matchFields(fsel, obj)
		return err == nil && ok
	}
	gvk, known := s.kindFor(gvr)
	if known {
		if zero, err := scheme.Scheme.New(gvk); err == nil {
			if _, err := matchFields(fsel, zero); err != nil {
				return true, nil, err
			}
		}
	}
	var initial []watch.Event
	if known {
		list, err := s.tracker.List(gvr, gvk, ns)
		if err == nil {
			items, _ := meta.ExtractList(list)
			for _, item := range items {
				m, err := meta.Accessor(item)
				if err != nil || !match(item) {
					continue
				}
				rv, _ := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
				if rv > from {
					initial = append(initial, watch.Event{Type: watch.Added, Object: item})
				}
			}
		}
		slices.SortFunc(initial, func(a, b watch.Event) int { return compareRV(a.Object, b.Object) })
	}
	w := newWatcher(s, gvr, ns, match, initial)
	s.wmu.Lock()
	s.watchers = append(s.watchers, w)
	s.wmu.Unlock()
	return true, w, nil
}

func compareRV(a, b runtime.Object) int {
	am, _ := meta.Accessor(a)
	bm, _ := meta.Accessor(b)
	ar, _ := strconv.ParseInt(am.GetResourceVersion(), 10, 64)
	br, _ := strconv.ParseInt(bm.GetResourceVersion(), 10, 64)
	return int(ar - br)
}

// kindFor maps a resource to its kind as the tracker does when objects are
// added (meta.UnsafeGuessKindToResource over the clientset's scheme).
func (s *apiServer) kindFor(gvr schema.GroupVersionResource) (schema.GroupVersionKind, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kinds == nil {
		s.kinds = map[schema.GroupVersionResource]schema.GroupVersionKind{}
		for gvk := range scheme.Scheme.AllKnownTypes() {
			if gvk.Version == runtime.APIVersionInternal {
				continue
			}
			plural, _ := meta.UnsafeGuessKindToResource(gvk)
			if _, dup := s.kinds[plural]; !dup {
				s.kinds[plural] = gvk
			}
		}
	}
	gvk, ok := s.kinds[gvr]
	return gvk, ok
}

// matchFields evaluates a field selector over the fields the API server
// supports for the object's kind; other fields are a bad request.
func matchFields(sel fields.Selector, obj runtime.Object) (bool, error) {
	if sel == nil || sel.Empty() {
		return true, nil
	}
	set := fieldSet(obj)
	for _, req := range sel.Requirements() {
		if _, ok := set[req.Field]; !ok {
			return false, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return sel.Matches(set), nil
}

func fieldSet(obj runtime.Object) fields.Set {
	set := fields.Set{}
	if m, err := meta.Accessor(obj); err == nil {
		set["metadata.name"] = m.GetName()
		set["metadata.namespace"] = m.GetNamespace()
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Event:
		set["involvedObject.kind"] = o.InvolvedObject.Kind
		set["involvedObject.namespace"] = o.InvolvedObject.Namespace
		set["involvedObject.name"] = o.InvolvedObject.Name
		set["involvedObject.uid"] = string(o.InvolvedObject.UID)
		set["involvedObject.apiVersion"] = o.InvolvedObject.APIVersion
		set["involvedObject.resourceVersion"] = o.InvolvedObject.ResourceVersion
		set["involvedObject.fieldPath"] = o.InvolvedObject.FieldPath
		set["reason"] = o.Reason
		set["reportingComponent"] = o.ReportingController
		set["source"] = o.Source.Component
		set["type"] = o.Type
	case *eventsv1.Event:
		set["regarding.kind"] = o.Regarding.Kind
		set["regarding.namespace"] = o.Regarding.Namespace
		set["regarding.name"] = o.Regarding.Name
		set["regarding.uid"] = string(o.Regarding.UID)
		set["reason"] = o.Reason
		set["reportingController"] = o.ReportingController
		set["type"] = o.Type
	case *corev1.Node:
		set["spec.unschedulable"] = strconv.FormatBool(o.Spec.Unschedulable)
	case *corev1.Namespace:
		set["status.phase"] = string(o.Status.Phase)
	}
	return set
}

func gvkOf(obj runtime.Object) schema.GroupVersionKind {
	gvks, _, err := scheme.Scheme.ObjectKinds(obj)
	if err != nil || len(gvks) == 0 {
		return schema.GroupVersionKind{}
	}
	return gvks[0]
}

func field(obj runtime.Object, name string) reflect.Value {
	v := reflect.ValueOf(obj)
	if v.Kind() == reflect.Pointer {
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return reflect.Value{}
	}
	return v.FieldByName(name)
}

// copyField sets dst.name to src.name (src must not be used afterwards).
func copyField(dst, src runtime.Object, name string) {
	d, s := field(dst, name), field(src, name)
	if d.IsValid() && s.IsValid() && d.CanSet() {
		d.Set(s)
	}
}
