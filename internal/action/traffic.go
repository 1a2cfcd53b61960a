package action

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"

	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

// Traffic action names, as events and plans call them.
const (
	SwitchAction         = "switch"
	CanaryRollbackAction = "canary-rollback"
)

// Attribution annotations of traffic actions, beside mayday.dev/actor and
// mayday.dev/incident.
const (
	ReasonAnnotation       = "mayday.dev/reason"
	SwitchedFromAnnotation = "mayday.dev/switched-from"
	SwitchedAtAnnotation   = "mayday.dev/switched-at"
	// CanaryFromAnnotation records what the canary had before the
	// rollback: its replicas, or the route's weights.
	CanaryFromAnnotation = "mayday.dev/canary-rolled-back-from"
	CanaryAtAnnotation   = "mayday.dev/canary-rolled-back-at"
)

// TrafficRequest is a blue-green switch or a canary rollback as asked for.
type TrafficRequest struct {
	Action string `json:"action"`
	// Kind is the kind of the object named: service, deployment,
	// httproute, virtualservice or rollout.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// To is the side a switch goes to; "" means the other one of two.
	To string `json:"to"`
	// SlotKey is the label naming the sides; "" tries slot, color, version.
	SlotKey string `json:"slotKey"`
	// Stable names the backend that keeps the traffic of a weighted
	// route; "" means the one not named as a canary.
	Stable      string              `json:"stable"`
	Attribution rollout.Attribution `json:"attribution"`
	Now         time.Time           `json:"-"`
	// Recorder receives the planned event (nil: none).
	Recorder Recorder `json:"-"`
	// actor answers who acts, once known.
	actor func() string
}

// ObjectRef names an API object a traffic action reads or writes.
type ObjectRef struct {
	Group     string    `json:"group"`
	Version   string    `json:"version"`
	Resource  string    `json:"resource"`
	Kind      string    `json:"kind"`
	Namespace string    `json:"namespace"`
	Name      string    `json:"name"`
	UID       types.UID `json:"uid"`
}

// String is "service/web", "httproute/web".
func (o ObjectRef) String() string { return strings.ToLower(o.Kind) + "/" + o.Name }

// APIVersion is "v1", "apps/v1", "gateway.networking.k8s.io/v1".
func (o ObjectRef) APIVersion() string {
	return schema.GroupVersion{Group: o.Group, Version: o.Version}.String()
}

// GVR is the object's group, version and resource.
func (o ObjectRef) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: o.Group, Version: o.Version, Resource: o.Resource}
}

// Expectation is a field an object holds once a step is applied: the
// value at Path (a JSON pointer) contains Value.
type Expectation struct {
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// TrafficStep is one guarded write.
type TrafficStep struct {
	Object      ObjectRef `json:"object"`
	Subresource string    `json:"subresource"`
	// Description says what the write does, for people.
	Description string          `json:"description"`
	PatchType   types.PatchType `json:"patchType"`
	// Patch is sent with a resourceVersion precondition added.
	Patch json.RawMessage `json:"patch"`
	// ResourceVersion is the precondition; "" means the version the
	// previous step left on the same object.
	ResourceVersion string        `json:"resourceVersion"`
	Expect          []Expectation `json:"expect"`
	// spec is the object's spec when planned: a conflict that leaves it
	// unchanged (status, controller bookkeeping) is re-sent, any other
	// is reported.
	spec map[string]any
	// handedOver is set when a controller acts on the field and may reset
	// it (Argo clears status.abort once the rollout is back on its stable
	// revision): verification does not check it again.
	handedOver bool
}

// Check is a condition verified before acting.
type Check struct {
	Name   string `json:"name"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// TrafficVerifySpec is what verification observes after the writes.
type TrafficVerifySpec struct {
	// Service's ready endpoints must all be pods matching one of Want,
	// at least MinReady of them.
	Service  string              `json:"service,omitempty"`
	Want     []map[string]string `json:"want,omitempty"`
	MinReady int                 `json:"minReady,omitempty"`
	// ScaledDown Deployments must have no pods left.
	ScaledDown []ScaledDown `json:"scaledDown,omitempty"`
	// ReadyServices must each have a ready endpoint.
	ReadyServices []string `json:"readyServices,omitempty"`
	// ArgoStable is the stable template hash an aborted Argo Rollout goes
	// back to: it must be aborted, or its controller must already report
	// that hash as current.
	ArgoStable string `json:"argoStable,omitempty"`
}

// ScaledDown names a Deployment scaled to zero and its pods' selector.
type ScaledDown struct {
	Name     string            `json:"name"`
	Selector map[string]string `json:"selector"`
}

// TrafficPlan is everything a switch or canary rollback will do, computed
// before doing it: the CLI prints it, the console confirms it, Execute
// runs it and Verify observes its effect.
type TrafficPlan struct {
	Request TrafficRequest `json:"request"`
	// Pattern names what was recognised: "blue-green", "plain canary",
	// "Gateway API HTTPRoute", "Istio VirtualService", "Argo Rollout".
	Pattern string    `json:"pattern"`
	Object  ObjectRef `json:"object"`
	// Summary says what will happen; Done says it in the past tense.
	Summary  string            `json:"summary"`
	Done     string            `json:"done"`
	Changes  []string          `json:"changes"`
	Checks   []Check           `json:"checks"`
	Warnings []rollout.Warning `json:"warnings"`
	Steps    []TrafficStep     `json:"steps"`
	// Skip is set when nothing needs doing; SkipReason says why.
	Skip       bool              `json:"skip"`
	SkipReason string            `json:"skipReason"`
	Verify     TrafficVerifySpec `json:"verify"`
	// HealthWorkload is the workload whose health verdict should recover
	// afterwards (nil: none is known).
	HealthWorkload *rollout.Ref `json:"healthWorkload"`
	// What was recognised, for the JSON document; one is set.
	BlueGreen *traffic.BlueGreen   `json:"blueGreen,omitempty"`
	Canary    *traffic.PlainCanary `json:"canary,omitempty"`
	Weights   *traffic.WeightPlan  `json:"weights,omitempty"`
	Rollout   *traffic.Rollout     `json:"rollout,omitempty"`
	PlannedAt time.Time            `json:"plannedAt"`
	Duration  time.Duration        `json:"planDuration"`
}

// Traffic plans, executes and verifies blue-green switches and canary
// rollbacks. Services and Deployments go through the Executor's client,
// CRDs (HTTPRoute, VirtualService, Rollout) through Dynamic.
type Traffic struct {
	*Executor
	// Dynamic reads and writes CRDs; nil means only the plain patterns
	// are available.
	Dynamic dynamic.Interface
}

// NotReadyError refuses to send traffic to pods that are not ready.
type NotReadyError struct {
	Object string
	Detail string
}

func (e *NotReadyError) Error() string {
	return fmt.Sprintf("refusing to change %s: %s; nothing was changed", e.Object, e.Detail)
}

// Plan reads what the request needs and plans it. Reading happens at once
// with finding out who acts.
func (t *Traffic) Plan(ctx context.Context, req TrafficRequest) (*TrafficPlan, error) {
	start := time.Now()
	if req.Now.IsZero() {
		req.Now = start
	}
	// Who acts is asked at once with the reads; the annotations, built
	// last, wait for the answer.
	req.actor = sync.OnceValue(func() string {
		if req.Attribution.Actor != "" {
			return req.Attribution.Actor
		}
		return kube.Actor(ctx, t.Client)
	})
	go req.actor()
	var p *TrafficPlan
	var err error
	switch {
	case req.Action == SwitchAction && req.Kind == "service":
		p, err = t.planSwitch(ctx, &req)
	case req.Action == SwitchAction:
		err = fmt.Errorf("switch works on a service (service/NAME), not a %s", req.Kind)
	case req.Action == CanaryRollbackAction:
		p, err = t.planCanary(ctx, &req)
	default:
		err = fmt.Errorf("unknown traffic action %q", req.Action)
	}
	if err != nil {
		return nil, err
	}
	req.Attribution.Actor = req.actor()
	p.Request, p.PlannedAt, p.Duration = req, req.Now, time.Since(start)
	p.Request.Recorder, p.Request.actor = nil, nil
	p.emptyLists()
	record(req.Recorder, p.event(PhasePlanned, p.Summary, p.Duration, map[string]any{"changes": p.Changes, "skip": p.SkipReason}))
	return p, nil
}

// emptyLists makes the plan's lists empty rather than nil, so its JSON
// document has [] where there is nothing.
func (p *TrafficPlan) emptyLists() {
	p.Changes = nonNil(p.Changes)
	p.Checks = nonNil(p.Checks)
	p.Warnings = nonNil(p.Warnings)
	p.Steps = nonNil(p.Steps)
	for i := range p.Steps {
		p.Steps[i].Expect = nonNil(p.Steps[i].Expect)
	}
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// event is one of the plan's events for the journal.
func (p *TrafficPlan) event(phase Phase, msg string, d time.Duration, detail map[string]any) Event {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["message"] = msg
	detail["pattern"] = p.Pattern
	return Event{Action: p.Request.Action, Namespace: p.Object.Namespace, Workload: p.Object.String(),
		Phase: phase, Actor: p.Request.Attribution.Actor, Detail: detail, Duration: d}
}

// annotations are the attribution annotations every traffic write sets.
func (req *TrafficRequest) annotations(extra map[string]string) map[string]string {
	actor := req.Attribution.Actor
	if req.actor != nil {
		actor = req.actor()
	}
	a := map[string]string{rollout.ActorAnnotation: actor}
	if req.Attribution.Reason != "" {
		a[ReasonAnnotation] = req.Attribution.Reason
	}
	if req.Attribution.Incident != "" {
		a[rollout.IncidentAnnotation] = req.Attribution.Incident
	}
	for k, v := range extra {
		a[k] = v
	}
	return a
}

// CheckAllowed refuses up front what would fail later: read-only mode and
// a missing patch permission on any object the plan writes.
func (t *Traffic) CheckAllowed(ctx context.Context, p *TrafficPlan) error {
	if t.ReadOnly {
		return ErrReadOnly
	}
	seen := map[string]bool{}
	var perms []kube.Permission
	for _, s := range p.Steps {
		key := s.Object.GVR().String() + "/" + s.Object.Name
		if seen[key] {
			continue
		}
		seen[key] = true
		perms = append(perms, kube.Permission{Verb: "patch", Group: s.Object.Group, Resource: s.Object.Resource,
			Namespace: s.Object.Namespace, Name: s.Object.Name})
	}
	errs := make([]error, len(perms))
	var g errgroup.Group
	for i, perm := range perms {
		g.Go(func() error {
			errs[i] = kube.CheckAccess(ctx, t.Client, perm)
			return nil
		})
	}
	_ = g.Wait()
	var forbidden *kube.ForbiddenError
	for _, err := range errs {
		if errors.As(err, &forbidden) && forbidden.User == "" && !strings.HasPrefix(p.Request.Attribution.Actor, "os:") {
			forbidden.User = p.Request.Attribution.Actor
		}
	}
	return errors.Join(errs...)
}

// dynamicFor is the dynamic client, or an error naming what needs it.
func (t *Traffic) dynamicFor(api traffic.API) (dynamic.Interface, error) {
	if t.Dynamic == nil {
		return nil, fmt.Errorf("%s objects need a connection to a real cluster", api.Name)
	}
	return t.Dynamic, nil
}

// jsonPointerEscape escapes a map key for a JSON pointer ("a/b" → "a~1b").
func jsonPointerEscape(s string) string {
	return strings.NewReplacer("~", "~0", "/", "~1").Replace(s)
}

// newStep builds a step whose patch is v encoded as JSON.
func newStep(obj ObjectRef, description string, pt types.PatchType, v any, rv string, spec map[string]any, expect ...Expectation) (TrafficStep, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return TrafficStep{}, fmt.Errorf("encoding the patch of %s: %w", obj, err)
	}
	return TrafficStep{Object: obj, Description: description, PatchType: pt, Patch: b,
		ResourceVersion: rv, Expect: expect, spec: spec}, nil
}
