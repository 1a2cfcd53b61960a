package kube_test

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/mayday-tui/mayday/internal/kube"
)

// Informers retry a lost connection silently; the probe makes the loss
// visible and clears it once the server answers again.
func TestCacheHealthFollowsTheServer(t *testing.T) {
	cs := fake.NewClientset()
	var down atomic.Bool
	down.Store(true)
	cs.PrependReactor("get", "version", func(k8stesting.Action) (bool, runtime.Object, error) {
		if down.Load() {
			return true, nil, errors.New("dial tcp 127.0.0.1:6443: connect: connection refused")
		}
		return false, nil, nil
	})
	c := kube.NewCache(cs, "")
	c.SetProbeInterval(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Start(ctx)
	waitHealth := func(connected bool) kube.Health {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			h := c.Health()
			if h.Connected == connected {
				return h
			}
			if time.Now().After(deadline) {
				t.Fatalf("health never became connected=%v: %+v", connected, h)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	h := waitHealth(false)
	if h.LastError == nil || !strings.Contains(h.LastError.Error(), "connection refused") {
		t.Errorf("last error = %v", h.LastError)
	}
	down.Store(false)
	waitHealth(true)
}

// A refused list is not a lost connection: the probe's success does not
// hide it, and it says which list.
func TestCacheHealthKeepsForbiddenLists(t *testing.T) {
	cs := fake.NewClientset()
	cs.PrependReactor("list", "replicasets", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Group: "apps", Resource: "replicasets"}, "", errors.New(`User "dev" cannot list resource "replicasets"`))
	})
	c := kube.NewCache(cs, "payments")
	c.SetProbeInterval(20 * time.Millisecond)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	c.Start(ctx)
	deadline := time.Now().Add(30 * time.Second)
	for c.Health().Forbidden == nil {
		if time.Now().After(deadline) {
			t.Fatalf("forbidden list never reported: %+v", c.Health())
		}
		time.Sleep(5 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // several probes succeed meanwhile
	h := c.Health()
	if !h.Connected || h.Forbidden == nil || !strings.Contains(h.Forbidden.Error(), `cannot list replicasets.apps in namespace "payments"`) {
		t.Errorf("health = %+v", h)
	}
}
