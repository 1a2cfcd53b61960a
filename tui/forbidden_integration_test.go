//go:build integration

package tui

import (
	"context"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/testbed"
	"github.com/mayday-tui/mayday/tui/app"
)

// A user who may read one namespace opens the console on another: the
// console must say what it may not list and where, not sit on an empty
// list or call a reachable server disconnected.
func TestConsoleForbiddenNamespace(t *testing.T) {
	env := testbed.Require(t)
	allowed := env.Namespace(t)
	denied := env.Namespace(t)
	admin := env.Clientset(t)
	const user = "mayday-one-namespace"
	rb := &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "view"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "view"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: user}},
	}
	if _, err := admin.RbacV1().RoleBindings(allowed).Create(context.Background(), rb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	env.RunKubectl(t, "-n", denied, "create", "deployment", "checkout", "--image=registry.example/checkout:1.0")

	cfg := env.RESTConfig(t)
	cfg.Impersonate.UserName = user
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}

	l := console(t, client, denied, 120, 40)
	// The finder names the refused resource, the namespace and the user on
	// one line (kube.ListForbiddenError), instead of loading forever.
	l.until("the finder to say what is forbidden where", settle,
		shows("forbidden: cannot list ", `in namespace "`+denied+`"`))
	v := l.screen()
	if strings.Contains(v, "checkout") {
		t.Errorf("a forbidden namespace shows workloads:\n%s", v)
	}
	// The console keeps running: help opens and closes.
	l.keys("?")
	l.until("help to open", settle, func(m app.Model) bool { return m.HelpOpen() })
	l.keys("esc")
	l.until("help to close", settle, func(m app.Model) bool { return !m.HelpOpen() })
}
