package demo

import (
	"slices"
	"strconv"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
)

// watcher is one watch request. The tracker's own watches send while
// holding its lock and panic once 100 events are unread; the demo's
// watches are fed by the API server's write path instead, into an
// unbounded queue, so a slow reader (a console busy drawing) neither
// blocks writers nor brings the cluster down.
type watcher struct {
	srv   *apiServer
	gvr   schema.GroupVersionResource
	ns    string
	match func(runtime.Object) bool

	mu    sync.Mutex
	queue []watch.Event
	// seen is the newest resourceVersion queued per object. Writers notify
	// after the tracker's lock is released, so two writes to one object
	// can be notified out of order; a real watch never goes back in time,
	// so an older version than one already queued is dropped.
	seen    map[string]int64
	stopped bool
	wake    chan struct{}
	stop    chan struct{}
	once    sync.Once
	out     chan watch.Event
}

func newWatcher(srv *apiServer, gvr schema.GroupVersionResource, ns string, match func(runtime.Object) bool, initial []watch.Event) *watcher {
	w := &watcher{srv: srv, gvr: gvr, ns: ns, match: match, seen: map[string]int64{},
		wake: make(chan struct{}, 1), stop: make(chan struct{}), out: make(chan watch.Event)}
	for _, ev := range initial {
		w.enqueue(ev)
	}
	go w.run()
	return w
}

func (w *watcher) run() {
	defer close(w.out)
	for {
		w.mu.Lock()
		var ev watch.Event
		have := len(w.queue) > 0
		if have {
			ev = w.queue[0]
			w.queue[0] = watch.Event{}
			w.queue = w.queue[1:]
		}
		w.mu.Unlock()
		if !have {
			select {
			case <-w.stop:
				return
			case <-w.wake:
				continue
			}
		}
		select {
		case <-w.stop:
			return
		case w.out <- ev:
		}
	}
}

// push queues an event; it never blocks.
func (w *watcher) push(ev watch.Event) {
	w.mu.Lock()
	if !w.stopped {
		w.enqueue(ev)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Stop ends the watch; the result channel is closed soon after.
func (w *watcher) Stop() {
	w.once.Do(func() {
		w.mu.Lock()
		w.stopped = true
		w.queue = nil
		w.mu.Unlock()
		close(w.stop)
		w.srv.unwatch(w)
	})
}

// ResultChan returns the events.
func (w *watcher) ResultChan() <-chan watch.Event { return w.out }

func (s *apiServer) unwatch(w *watcher) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.watchers = slices.DeleteFunc(s.watchers, func(x *watcher) bool { return x == w })
}

// notify tells the watchers of a write. old is nil for a creation, obj is
// the deleted object for a deletion. As the API server does, a watch with
// a selector sees an object that stops matching as deleted and one that
// starts matching as added.
func (s *apiServer) notify(gvr schema.GroupVersionResource, ns string, typ watch.EventType, old, obj runtime.Object) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	for _, w := range s.watchers {
		if w.gvr != gvr || (w.ns != "" && w.ns != ns) {
			continue
		}
		now := w.match(obj)
		was := old != nil && w.match(old)
		t := typ
		switch {
		case typ == watch.Modified && now && !was:
			t = watch.Added
		case typ == watch.Modified && !now && was:
			t = watch.Deleted
		case !now:
			continue
		}
		w.push(watch.Event{Type: t, Object: obj.DeepCopyObject()})
	}
}

// enqueue appends ev unless a newer version of its object is queued
// already (w.mu held, or w not yet shared).
func (w *watcher) enqueue(ev watch.Event) {
	m, err := meta.Accessor(ev.Object)
	if err != nil {
		w.queue = append(w.queue, ev)
		return
	}
	key := m.GetNamespace() + "/" + m.GetName()
	rv, err := strconv.ParseInt(m.GetResourceVersion(), 10, 64)
	if err == nil {
		if last, ok := w.seen[key]; ok && rv <= last && ev.Type != watch.Deleted {
			return
		}
		w.seen[key] = rv
	}
	if ev.Type == watch.Deleted {
		delete(w.seen, key)
	}
	w.queue = append(w.queue, ev)
}
