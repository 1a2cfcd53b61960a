package kube

import (
	"context"
	"fmt"
	"os/user"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// Permission is one API permission mayday needs for an action.
type Permission struct {
	Verb      string
	Group     string
	Resource  string
	Namespace string
	Name      string
}

func (p Permission) String() string {
	res := p.Resource
	if p.Group != "" {
		res += "." + p.Group
	}
	s := fmt.Sprintf("%s %s", p.Verb, res)
	if p.Name != "" {
		s += "/" + p.Name
	}
	if p.Namespace != "" {
		s += fmt.Sprintf(" in namespace %q", p.Namespace)
	}
	return s
}

// ForbiddenError says up front that the user lacks a permission.
type ForbiddenError struct {
	User       string
	Permission Permission
	Reason     string
}

func (e *ForbiddenError) Error() string {
	who := "you"
	if e.User != "" {
		who = e.User
	}
	s := fmt.Sprintf("forbidden: %s cannot %s", who, e.Permission)
	if e.Reason != "" {
		s += " (" + e.Reason + ")"
	}
	return s + "; ask a cluster admin for this permission or use an account that has it"
}

// CheckAccess asks the API server (SelfSubjectAccessReview) whether the
// current user holds p. A nil error means allowed.
func CheckAccess(ctx context.Context, c kubernetes.Interface, p Permission) error {
	review := &authorizationv1.SelfSubjectAccessReview{Spec: authorizationv1.SelfSubjectAccessReviewSpec{
		ResourceAttributes: &authorizationv1.ResourceAttributes{
			Verb: p.Verb, Group: p.Group, Resource: p.Resource, Namespace: p.Namespace, Name: p.Name,
		},
	}}
	out, err := c.AuthorizationV1().SelfSubjectAccessReviews().Create(ctx, review, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("checking permission to %s: %w", p, err)
	}
	if out.Status.Allowed {
		return nil
	}
	reason := out.Status.Reason
	if out.Status.EvaluationError != "" && reason == "" {
		reason = out.Status.EvaluationError
	}
	return &ForbiddenError{Permission: p, Reason: reason}
}

// WhoAmI returns the Kubernetes user name of the credentials in use
// (SelfSubjectReview). It returns "" when the server cannot say.
func WhoAmI(ctx context.Context, c kubernetes.Interface) (string, error) {
	out, err := c.AuthenticationV1().SelfSubjectReviews().Create(ctx, &authenticationv1.SelfSubjectReview{}, metav1.CreateOptions{})
	if err != nil {
		return "", err
	}
	return out.Status.UserInfo.Username, nil
}

// OSUser is the local account name, the actor of last resort.
func OSUser() string {
	if u, err := user.Current(); err == nil && u.Username != "" {
		return u.Username
	}
	return "unknown"
}

// Actor names the person acting: the kube user when the server says, else
// the OS user, marked as such.
func Actor(ctx context.Context, c kubernetes.Interface) string {
	if name, err := WhoAmI(ctx, c); err == nil && strings.TrimSpace(name) != "" {
		return name
	}
	return "os:" + OSUser()
}
