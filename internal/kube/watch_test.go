package kube

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes/fake"
	clienttesting "k8s.io/client-go/testing"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

var _ net.Error = timeoutErr{}

func TestWatchWorkloadSeesChanges(t *testing.T) {
	replicas := int32(2)
	// The fake tracker keeps resourceVersions as written; set them as the
	// API server would.
	cs := fake.NewSimpleClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns", ResourceVersion: "1"},
		Spec: appsv1.DeploymentSpec{Replicas: &replicas}})
	var seen []int32
	err := WatchWorkload(context.Background(), cs, cs, "Deployment", "ns", "web", 0, func(obj runtime.Object) (bool, error) {
		d := obj.(*appsv1.Deployment)
		seen = append(seen, d.Status.ReadyReplicas)
		if d.Status.ReadyReplicas == 0 {
			d = d.DeepCopy()
			d.Status.ReadyReplicas, d.ResourceVersion = 2, "2"
			go func() {
				_, _ = cs.AppsV1().Deployments("ns").UpdateStatus(context.Background(), d, metav1.UpdateOptions{})
			}()
			return false, nil
		}
		return true, nil
	})
	if err != nil || len(seen) != 2 || seen[1] != 2 {
		t.Fatalf("err %v, seen %v", err, seen)
	}
	err = WatchWorkload(context.Background(), cs, cs, "Deployment", "ns", "nope", 0, func(runtime.Object) (bool, error) { return true, nil })
	if err == nil || !strings.Contains(err.Error(), "not found") {
		t.Errorf("missing workload: %v", err)
	}
}

// A server that stops answering while the watch is quiet ends the watch
// with a connection error instead of leaving it waiting forever.
func TestWatchWorkloadProbesAQuietServer(t *testing.T) {
	cs := fake.NewSimpleClientset(&appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}})
	var lists atomic.Int32
	cs.PrependReactor("list", "deployments", func(clienttesting.Action) (bool, runtime.Object, error) {
		if lists.Add(1) == 1 {
			return false, nil, nil // the informer's first list succeeds
		}
		return true, nil, &url.Error{Op: "Get", URL: "https://k8s/apis/apps/v1/deployments", Err: timeoutErr{}}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := WatchWorkload(ctx, cs, cs, "Deployment", "ns", "web", 20*time.Millisecond, func(runtime.Object) (bool, error) { return false, nil })
	if err == nil || errors.Is(err, context.DeadlineExceeded) || !IsConnectionError(err) || !strings.Contains(err.Error(), "stopped receiving updates") {
		t.Fatalf("err %v", err)
	}
}
