// Package rollout knows what each revision of a workload was and how to put a
// workload back to one of them exactly as `kubectl rollout undo` does.
// It reads through the Reader interface (an informer cache or the API) and
// never writes: executing a plan is the action package's job.
package rollout

import (
	"fmt"
	"strings"
)

// Kind is a workload kind that has a revision history.
type Kind string

const (
	Deployment  Kind = "Deployment"
	StatefulSet Kind = "StatefulSet"
	DaemonSet   Kind = "DaemonSet"
)

// Kinds lists the supported kinds in display order.
var Kinds = []Kind{Deployment, StatefulSet, DaemonSet}

// Resource is the lower-case plural API resource of the kind.
func (k Kind) Resource() string {
	switch k {
	case Deployment:
		return "deployments"
	case StatefulSet:
		return "statefulsets"
	case DaemonSet:
		return "daemonsets"
	}
	return ""
}

// Short is the lower-case singular name used in references ("deployment").
func (k Kind) Short() string { return strings.ToLower(string(k)) }

// Ref names one workload.
type Ref struct {
	Kind      Kind   `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func (r Ref) String() string { return r.Kind.Short() + "/" + r.Name }

// ParseKind accepts the names kubectl accepts for the supported kinds.
func ParseKind(s string) (Kind, error) {
	switch strings.ToLower(s) {
	case "deployment", "deployments", "deploy", "deployment.apps", "deployments.apps":
		return Deployment, nil
	case "statefulset", "statefulsets", "sts", "statefulset.apps", "statefulsets.apps":
		return StatefulSet, nil
	case "daemonset", "daemonsets", "ds", "daemonset.apps", "daemonsets.apps":
		return DaemonSet, nil
	}
	return "", fmt.Errorf("unknown kind %q: use deployment (deploy), statefulset (sts) or daemonset (ds)", s)
}

// ParseRef parses KIND/NAME in the given namespace.
func ParseRef(s, namespace string) (Ref, error) {
	kind, name, ok := strings.Cut(s, "/")
	if !ok || name == "" || kind == "" {
		return Ref{}, fmt.Errorf("expected KIND/NAME (for example deployment/checkout), got %q", s)
	}
	k, err := ParseKind(kind)
	if err != nil {
		return Ref{}, err
	}
	if strings.Contains(name, "/") {
		return Ref{}, fmt.Errorf("expected KIND/NAME, got %q", s)
	}
	return Ref{Kind: k, Namespace: namespace, Name: name}, nil
}
