package kube

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestExplainListError(t *testing.T) {
	// What the reflector reports for a list the user may not make.
	forbidden := apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "replicasets"}, "",
		errors.New(`User "dev" cannot list resource "replicasets" in API group "apps" in the namespace "payments"`))
	err := ExplainListError(fmt.Errorf("failed to list *v1.ReplicaSet: %w", forbidden), "payments")
	var lf *ListForbiddenError
	if !errors.As(err, &lf) {
		t.Fatalf("%T %v", err, err)
	}
	want := `forbidden: cannot list replicasets.apps in namespace "payments" (user "dev")`
	if err.Error() != want {
		t.Errorf("got  %s\nwant %s", err, want)
	}
	if !apierrors.IsForbidden(err) || strings.Contains(err.Error(), "\n") {
		t.Error("the cause must stay reachable and the message one line")
	}
	if again := ExplainListError(err, "x"); again != err {
		t.Error("explaining twice must not wrap twice")
	}

	// Across all namespaces, a core resource, no user in the message.
	pods := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "", errors.New("no"))
	if got := ExplainListError(pods, "").Error(); !strings.HasPrefix(got, "forbidden: cannot list pods in any namespace") {
		t.Errorf("got %s", got)
	}

	// Anything else is returned as it is.
	other := errors.New("connection refused")
	if ExplainListError(other, "ns") != other || ExplainListError(nil, "ns") != nil {
		t.Error("non-403 errors must pass through")
	}
}
