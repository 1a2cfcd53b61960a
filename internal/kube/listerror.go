package kube

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// ListForbiddenError is an informer's list or watch that the API server
// refused (403): the server answers, the user may not read Resource in
// Namespace. Its message is one short line naming both, for the console's
// one-line notices; the server's own message ("failed to list
// *v1.ReplicaSet: replicasets.apps is forbidden: User … cannot list
// resource … in API group … in the namespace …") does not fit one.
type ListForbiddenError struct {
	Resource  string // plural, with its group: "replicasets.apps", "pods"
	Namespace string // "" for a list across all namespaces
	User      string // "" when the server did not say
	Err       error
}

func (e *ListForbiddenError) Error() string {
	where := "in any namespace"
	if e.Namespace != "" {
		where = fmt.Sprintf("in namespace %q", e.Namespace)
	}
	who := ""
	if e.User != "" {
		who = fmt.Sprintf(" (user %q)", e.User)
	}
	// Most important first: a narrow screen truncates the end.
	return fmt.Sprintf("forbidden: cannot list %s %s%s", e.Resource, where, who)
}

func (e *ListForbiddenError) Unwrap() error { return e.Err }

// ExplainListError turns a 403 from an informer's list or watch in
// namespace ("" for all namespaces) into a *ListForbiddenError and returns
// any other error as it is.
func ExplainListError(err error, namespace string) error {
	if err == nil || !apierrors.IsForbidden(err) {
		return err
	}
	var already *ListForbiddenError
	if errors.As(err, &already) {
		return err
	}
	e := &ListForbiddenError{Namespace: namespace, Err: err}
	var st apierrors.APIStatus
	if errors.As(err, &st) {
		s := st.Status()
		msg := s.Message
		if d := s.Details; d != nil {
			e.Resource = d.Kind // NewForbidden puts the resource here
			if d.Group != "" {
				e.Resource += "." + d.Group
			}
		}
		e.User = quotedAfter(msg, `User "`)
		if ns := quotedAfter(msg, `in the namespace "`); ns != "" {
			e.Namespace = ns
		}
		if e.Resource == "" {
			e.Resource = quotedAfter(msg, `cannot list resource "`)
		}
	}
	if e.Resource == "" {
		e.Resource = "workloads"
	}
	return e
}

// quotedAfter returns the text between prefix and the next double quote.
func quotedAfter(s, prefix string) string {
	_, rest, ok := strings.Cut(s, prefix)
	if !ok {
		return ""
	}
	v, _, ok := strings.Cut(rest, `"`)
	if !ok {
		return ""
	}
	return v
}
