// Package demo is the embedded simulated cluster behind `mayday --demo`:
// client-go's fake clientset, taught the API server behaviour mayday relies
// on (resource versions, conflicts, generations, dry runs, access reviews,
// watches), seeded with a believable online shop, and driven by small
// simulated controllers (deployment, replica set, stateful set, daemon
// set) and a simulated kubelet, so that history, diff, undo, rollout status
// and informers behave as on a real cluster.
//
// New only seeds: reading the seeded cluster needs no running controllers
// and no waiting. Start runs the controllers; rollouts then progress over a
// few seconds of the cluster's clock.
package demo

import (
	"context"
	"errors"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"k8s.io/apimachinery/pkg/version"
	fakediscovery "k8s.io/client-go/discovery/fake"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/mayday-tui/mayday/internal/metrics"
)

// The demo cluster's fixed names.
const (
	// Namespace holds the shop.
	Namespace = "shop"
	// Context is the kubeconfig context name the demo presents.
	Context = "demo"
	// User is the identity a SelfSubjectReview answers.
	User = "demo:oncall"
	// ServerVersion is the Kubernetes version discovery reports.
	ServerVersion = "v1.37.2"
)

// Options configure a demo cluster.
type Options struct {
	// Now is the cluster's clock (default time.Now). Seeded creation times
	// are relative to it, and the simulated kubelet and controllers read it
	// for every decision, so a test clock controls rollouts: a frozen clock
	// freezes them.
	Now func() time.Time
	// Speed scales the simulated pod lifecycle: 1 (the default) is
	// realistic, about 5-10 s per rollout; 100 is a hundred times faster.
	// Progress deadlines stay in the clock's seconds, as on a real cluster.
	Speed float64
}

// Cluster is a seeded simulated cluster.
type Cluster struct {
	cs      *fake.Clientset
	api     *apiServer
	sim     *sim
	metrics *metricSource
	started atomic.Bool
	done    chan struct{}
}

// New seeds a cluster; its controllers do not run until Start.
func New(opts Options) (*Cluster, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Speed == 0 {
		opts.Speed = 1
	}
	if opts.Speed < 0 || math.IsNaN(opts.Speed) || math.IsInf(opts.Speed, 0) {
		return nil, errors.New("demo: Speed must be a positive finite number")
	}
	cs := fake.NewSimpleClientset()
	api := newAPIServer(cs.Tracker(), opts.Now)
	api.install(&cs.Fake)
	cs.Resources = discoveryResources()
	if d, ok := cs.Discovery().(*fakediscovery.FakeDiscovery); ok {
		d.FakedServerVersion = &version.Info{Major: "1", Minor: "37", GitVersion: ServerVersion,
			GoVersion: "go1.26.7", Compiler: "gc", Platform: "linux/amd64"}
	}
	c := &Cluster{cs: cs, api: api, done: make(chan struct{}),
		sim: &sim{cs: cs, now: opts.Now, speed: opts.Speed}}
	if err := seed(c.api, c.sim, opts.Now()); err != nil {
		return nil, err
	}
	m, err := newMetricSource(context.Background(), cs.Tracker(), opts.Now)
	if err != nil {
		return nil, err
	}
	c.metrics = m
	return c, nil
}

// Client is the cluster's API. It also implements client-go's
// testing.FakeClient (actions, reactors), which tests may use.
func (c *Cluster) Client() kubernetes.Interface { return c.cs }

// Start runs the simulated controllers and kubelet in the background until
// ctx is done. Only the first call starts them.
func (c *Cluster) Start(ctx context.Context) {
	if !c.started.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer close(c.done)
		var wg sync.WaitGroup
		wg.Go(func() { c.metrics.run(ctx, max(c.sim.tick(), 50*time.Millisecond)) })
		c.sim.run(ctx, c.cs)
		wg.Wait()
	}()
}

// Metrics is the cluster's synthetic metric source: every workload's
// golden signals, consistent with the revisions it runs (checkout's bad
// rollout hurts until it is rolled back).
func (c *Cluster) Metrics() metrics.Source { return c.metrics }

// Done is closed once the controllers started by Start have stopped.
func (c *Cluster) Done() <-chan struct{} { return c.done }
