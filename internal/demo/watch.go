package demo

import (
	"sync"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// relay forwards a tracker watch through an unbounded queue. The tracker
// sends events while it holds its lock and panics when a watcher's channel
// (100 events) is full; the relay drains it at once, so a console that is
// busy drawing never brings the demo cluster down.
type relay struct {
	inner watch.Interface
	out   chan watch.Event
	stop  chan struct{}
	once  sync.Once
}

func newRelay(inner watch.Interface, initial []watch.Event, match func(runtime.Object) bool) *relay {
	r := &relay{inner: inner, out: make(chan watch.Event), stop: make(chan struct{})}
	go r.run(initial, match)
	return r
}

func (r *relay) run(queue []watch.Event, match func(runtime.Object) bool) {
	defer close(r.out)
	in := r.inner.ResultChan()
	for {
		var send chan watch.Event
		var next watch.Event
		if len(queue) > 0 {
			send, next = r.out, queue[0]
		}
		select {
		case <-r.stop:
			return
		case ev, ok := <-in:
			if !ok {
				in = nil
				if len(queue) == 0 {
					return
				}
				continue
			}
			if ev.Object == nil || match(ev.Object) {
				queue = append(queue, ev)
			}
		case send <- next:
			queue[0] = watch.Event{}
			queue = queue[1:]
			if in == nil && len(queue) == 0 {
				return
			}
		}
	}
}

// Stop ends the watch; the result channel is closed soon after.
func (r *relay) Stop() {
	r.once.Do(func() {
		close(r.stop)
		r.inner.Stop()
	})
}

// ResultChan returns the events.
func (r *relay) ResultChan() <-chan watch.Event { return r.out }
