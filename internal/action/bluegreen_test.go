package action_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/traffic"
)

func switchReq(to string) action.TrafficRequest {
	return action.TrafficRequest{Action: action.SwitchAction, Kind: "service", Name: "web", To: to}
}

func trSelector(t *testing.T, c *fake.Clientset) *corev1.Service {
	t.Helper()
	svc, err := c.CoreV1().Services(trNS).Get(context.Background(), "web", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

func TestSwitchPlanIsOneGuardedSelectorPatch(t *testing.T) {
	c := trBlueGreen(2)
	var events action.Events
	req := switchReq("green")
	req.Recorder = &events
	p := trPlan(t, trTraffic(c, nil), req)
	if p.Pattern != "blue-green" || p.Skip || len(p.Steps) != 1 || p.BlueGreen.Live != "blue" {
		t.Fatalf("plan = %+v", p)
	}
	s := p.Steps[0]
	if s.Object.String() != "service/web" || s.PatchType != types.MergePatchType || s.ResourceVersion != "5" {
		t.Errorf("step = %+v", s)
	}
	var patch struct {
		Metadata struct{ Annotations map[string]string }
		Spec     struct{ Selector map[string]string }
	}
	if err := json.Unmarshal(s.Patch, &patch); err != nil {
		t.Fatal(err)
	}
	if len(patch.Spec.Selector) != 1 || patch.Spec.Selector["slot"] != "green" ||
		patch.Metadata.Annotations[action.SwitchedFromAnnotation] != "blue" || patch.Metadata.Annotations[rollout.ActorAnnotation] != "alice" ||
		patch.Metadata.Annotations[action.ReasonAnnotation] != "5xx after deploy" || patch.Metadata.Annotations[rollout.IncidentAnnotation] != "INC-9" {
		t.Errorf("patch = %s", s.Patch)
	}
	if len(p.Checks) != 1 || !p.Checks[0].OK || p.Checks[0].Detail != "2 of 2 pods of web-green ready" {
		t.Errorf("checks = %+v", p.Checks)
	}
	if p.Summary != "switch service/web from blue (web-blue) to green (web-green)" || p.Changes[0] != "selector slot: blue → green" {
		t.Errorf("summary %q changes %q", p.Summary, p.Changes)
	}
	if p.HealthWorkload == nil || p.HealthWorkload.Name != "web-green" {
		t.Errorf("health workload = %v", p.HealthWorkload)
	}
	if evs := events.All(); len(evs) != 1 || evs[0].Phase != action.PhasePlanned || evs[0].Workload != "service/web" || evs[0].Actor != "alice" {
		t.Errorf("events = %+v", evs)
	}
}

func TestSwitchWithoutToGoesToTheOtherSide(t *testing.T) {
	p := trPlan(t, trTraffic(trBlueGreen(2), nil), switchReq(""))
	if p.Changes[0] != "selector slot: blue → green" {
		t.Errorf("changes = %q", p.Changes)
	}
}

func TestSwitchExecuteAppliesRecordsAndVerifies(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("green"))
	var sent []byte
	c.PrependReactor("patch", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
		sent = a.(k8stesting.PatchActionImpl).Patch
		return false, nil, nil
	})
	var events action.Events
	res, err := tr.Execute(context.Background(), p, action.DryRunNone, &events)
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != action.OutcomeApplied || res.Message != "switched service/web from blue to green" {
		t.Errorf("result = %+v", res)
	}
	if !strings.Contains(string(sent), `"resourceVersion":"5"`) {
		t.Errorf("the patch carries no resourceVersion precondition: %s", sent)
	}
	svc := trSelector(t, c)
	if svc.Spec.Selector["slot"] != "green" || svc.Spec.Selector["app"] != "web" || svc.Annotations[action.SwitchedFromAnnotation] != "blue" {
		t.Errorf("service = %+v", svc.ObjectMeta.Annotations)
	}
	evs, _ := c.CoreV1().Events(trNS).List(context.Background(), metav1.ListOptions{})
	if len(evs.Items) != 1 || evs.Items[0].Reason != action.TrafficSwitchedReason || evs.Items[0].InvolvedObject.Kind != "Service" ||
		evs.Items[0].Message != "alice switched service/web from blue to green: 5xx after deploy (incident INC-9)" {
		t.Errorf("events = %+v", evs.Items)
	}

	// The endpointslice controller moves the endpoints to green's pods.
	go func() {
		time.Sleep(50 * time.Millisecond)
		_, _ = c.DiscoveryV1().EndpointSlices(trNS).Update(context.Background(), trSlice("web", "green-0", "green-1"), metav1.UpdateOptions{})
	}()
	v := tr.Verify(context.Background(), p, action.TrafficVerifyOptions{Interval: 10 * time.Millisecond, Timeout: 5 * time.Second}, &events)
	if !v.Verified() || !strings.Contains(strings.Join(v.Observed, "\n"), "service/web: 2 ready endpoints, all on the pods that should take the traffic") {
		t.Errorf("verification = %+v", v)
	}
	phases := []action.Phase{}
	for _, e := range events.All() {
		phases = append(phases, e.Phase)
	}
	if len(phases) != 2 || phases[0] != action.PhaseExecuted || phases[1] != action.PhaseVerified {
		t.Errorf("phases = %v", phases)
	}
}

func TestSwitchVerifyFailsWhileEndpointsStayOnTheOldSide(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("green"))
	if _, err := tr.Execute(context.Background(), p, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	v := tr.Verify(context.Background(), p, action.TrafficVerifyOptions{Interval: 5 * time.Millisecond, Timeout: 30 * time.Millisecond}, nil)
	if v.Verified() || !v.TimedOut || !strings.Contains(v.Problem, "service/web still has 2 ready endpoints on other pods (blue-0, blue-1)") {
		t.Errorf("verification = %+v", v)
	}
}

func TestSwitchVerifySeesARevert(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("green"))
	if _, err := tr.Execute(context.Background(), p, action.DryRunNone, nil); err != nil {
		t.Fatal(err)
	}
	svc := trSelector(t, c)
	svc.Spec.Selector["slot"] = "blue" // a GitOps sync puts it back
	_, _ = c.CoreV1().Services(trNS).Update(context.Background(), svc, metav1.UpdateOptions{})
	v := tr.Verify(context.Background(), p, action.TrafficVerifyOptions{Interval: 5 * time.Millisecond, Timeout: 20 * time.Millisecond}, nil)
	if v.Verified() || !strings.Contains(v.Problem, `service/web no longer holds the change (/spec/selector/slot is "blue"): something reverted it`) {
		t.Errorf("verification = %+v", v)
	}
}

func TestSwitchDryRuns(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("green"))
	var dryRun []string
	c.PrependReactor("patch", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
		dryRun = a.(k8stesting.PatchActionImpl).PatchOptions.DryRun
		return true, trService("web", trSide("blue")), nil // accepted, nothing persisted
	})
	var events action.Events
	res, err := tr.Execute(context.Background(), p, action.DryRunServer, &events)
	if err != nil || res.Outcome != action.OutcomeDryRun || len(dryRun) != 1 || dryRun[0] != metav1.DryRunAll {
		t.Fatalf("server dry run: %+v %v %v", res, err, dryRun)
	}
	if evs := events.All(); len(evs) != 1 || evs[0].Phase != action.PhaseDryRun {
		t.Errorf("events = %+v", evs)
	}
	dryRun = nil
	res, err = tr.Execute(context.Background(), p, action.DryRunClient, nil)
	if err != nil || res.Outcome != action.OutcomeDryRun || dryRun != nil {
		t.Fatalf("client dry run sent a request: %+v %v", res, err)
	}
	if trSelector(t, c).Spec.Selector["slot"] != "blue" {
		t.Error("a dry run switched the service")
	}
}

func TestSwitchRefusedInReadOnlyMode(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("green"))
	tr.ReadOnly = true
	if _, err := tr.Execute(context.Background(), p, action.DryRunNone, nil); !errors.Is(err, action.ErrReadOnly) {
		t.Fatalf("execute: %v", err)
	}
	if _, err := tr.Execute(context.Background(), p, action.DryRunServer, nil); !errors.Is(err, action.ErrReadOnly) {
		t.Fatalf("server dry run: %v", err)
	}
	if err := tr.CheckAllowed(context.Background(), p); !errors.Is(err, action.ErrReadOnly) {
		t.Fatalf("check: %v", err)
	}
	if trSelector(t, c).Spec.Selector["slot"] != "blue" {
		t.Error("read-only mode switched the service")
	}
}

func TestSwitchCheckNamesMissingPermission(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("green"))
	c.PrependReactor("create", "selfsubjectaccessreviews", func(a k8stesting.Action) (bool, runtime.Object, error) {
		r := a.(k8stesting.CreateAction).GetObject().(*authorizationv1.SelfSubjectAccessReview)
		r.Status.Allowed = false
		return true, r, nil
	})
	err := tr.CheckAllowed(context.Background(), p)
	var fe *kube.ForbiddenError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), `forbidden: alice cannot patch services/web in namespace "prod"`) {
		t.Fatalf("err = %v", err)
	}
}

func TestSwitchBadInput(t *testing.T) {
	for _, tc := range []struct {
		name  string
		c     *fake.Clientset
		req   action.TrafficRequest
		want  string
		check func(error) bool
	}{
		{"target not ready", trBlueGreen(1), switchReq("green"),
			"refusing to change service/web: green (web-green) has 1 of 2 pods ready (1 not ready, 0 not created yet): wait until every pod is ready; nothing was changed",
			func(err error) bool { var nr *action.NotReadyError; return errors.As(err, &nr) }},
		{"unknown side", trBlueGreen(2), switchReq("purple"),
			"service/web has no side slot=purple: its sides are blue (web-blue), green (web-green)", nil},
		{"no pair", fake.NewClientset(trService("web", map[string]string{"app": "web"}), trDeployment("web", 2, map[string]string{"app": "web"})), switchReq("green"),
			"service/web is not a blue-green pair: its selector app=web has no slot label (slot, color or version); deployments it selects: web",
			func(err error) bool { var np *traffic.NoPairError; return errors.As(err, &np) }},
		{"missing service", fake.NewClientset(), switchReq("green"), `service "web" not found in namespace "prod"`, nil},
		{"not a service", trBlueGreen(2), action.TrafficRequest{Action: action.SwitchAction, Kind: "deployment", Name: "web"}, "switch works on a service", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.req.Namespace, tc.req.Attribution = trNS, trAttribution
			_, err := trTraffic(tc.c, nil).Plan(context.Background(), tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) || (tc.check != nil && !tc.check(err)) {
				t.Fatalf("err = %v\nwant %q", err, tc.want)
			}
			for _, a := range tc.c.Actions() {
				if a.GetVerb() == "patch" {
					t.Error("bad input sent a patch")
				}
			}
		})
	}
}

func TestSwitchToLiveSideIsANoop(t *testing.T) {
	c := trBlueGreen(2)
	tr := trTraffic(c, nil)
	p := trPlan(t, tr, switchReq("blue"))
	if !p.Skip || p.SkipReason != "service/web already sends its traffic to blue (web-blue)" || len(p.Steps) != 0 {
		t.Fatalf("plan = %+v", p)
	}
	res, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
	if err != nil || res.Outcome != action.OutcomeSkipped {
		t.Fatalf("%+v %v", res, err)
	}
}

func TestSwitchConflict(t *testing.T) {
	conflict := apierrors.NewConflict(schema.GroupResource{Resource: "services"}, "web", errors.New("the object has been modified"))
	t.Run("a person changed the selector", func(t *testing.T) {
		c := trBlueGreen(2)
		tr := trTraffic(c, nil)
		p := trPlan(t, tr, switchReq("green"))
		svc := trSelector(t, c)
		svc.Spec.Selector["tier"] = "front"
		svc.ResourceVersion = "6"
		_, _ = c.CoreV1().Services(trNS).Update(context.Background(), svc, metav1.UpdateOptions{})
		c.PrependReactor("patch", "services", func(k8stesting.Action) (bool, runtime.Object, error) { return true, nil, conflict })
		_, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
		var ce *action.TrafficConflictError
		if !errors.As(err, &ce) || err.Error() != "service/web changed after the plan was made (resourceVersion 5 → 6); changed meanwhile: spec.selector; nothing was written; review it and run the command again" {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("only metadata moved", func(t *testing.T) {
		c := trBlueGreen(2)
		tr := trTraffic(c, nil)
		p := trPlan(t, tr, switchReq("green"))
		svc := trSelector(t, c)
		svc.ResourceVersion = "6"
		svc.Labels = map[string]string{"touched": "by-controller"}
		_, _ = c.CoreV1().Services(trNS).Update(context.Background(), svc, metav1.UpdateOptions{})
		first := true
		var rvs []string
		c.PrependReactor("patch", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
			var m struct {
				Metadata struct{ ResourceVersion string }
			}
			_ = json.Unmarshal(a.(k8stesting.PatchActionImpl).Patch, &m)
			rvs = append(rvs, m.Metadata.ResourceVersion)
			if first {
				first = false
				return true, nil, conflict
			}
			return false, nil, nil
		})
		res, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
		if err != nil || res.Steps[0].Resent != 1 || strings.Join(rvs, ",") != "5,6" {
			t.Fatalf("%+v %v rvs=%v", res, err, rvs)
		}
		if trSelector(t, c).Spec.Selector["slot"] != "green" {
			t.Error("not switched after the re-send")
		}
	})
}

func TestSwitchUnknownOutcomeIsReadBack(t *testing.T) {
	for _, landed := range []bool{true, false} {
		c := trBlueGreen(2)
		tr := trTraffic(c, nil)
		p := trPlan(t, tr, switchReq("green"))
		c.PrependReactor("patch", "services", func(a k8stesting.Action) (bool, runtime.Object, error) {
			if landed {
				obj, _ := c.Tracker().Get(corev1.SchemeGroupVersion.WithResource("services"), trNS, "web")
				svc := obj.(*corev1.Service).DeepCopy()
				svc.Spec.Selector["slot"] = "green"
				_ = c.Tracker().Update(corev1.SchemeGroupVersion.WithResource("services"), svc, trNS)
			}
			return true, nil, apierrors.NewTimeoutError("request timed out", 1)
		})
		res, err := tr.Execute(context.Background(), p, action.DryRunNone, nil)
		if landed {
			if err != nil || res.Outcome != action.OutcomeApplied || !res.Steps[0].Unknown {
				t.Errorf("landed: %+v %v", res, err)
			}
			continue
		}
		if err == nil || res.Outcome != action.OutcomeNotApplied || !strings.Contains(err.Error(), "reading it back shows it was NOT applied") {
			t.Errorf("lost: %+v %v", res, err)
		}
	}
}
