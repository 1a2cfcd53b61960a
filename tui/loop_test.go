package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"github.com/mayday-tui/mayday/tui/app"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

// loop drives the root model the way a tea.Program does, minus the
// terminal: every command runs in its own goroutine (waits on the cache,
// ticks, API calls) and its message comes back through one channel, so
// messages reach Update one at a time and in the order they are produced.
// Tests inject key presses between messages and wait for a condition on
// the model with a generous deadline; the deadline only catches a broken
// console, it is not a timing assertion.
type loop struct {
	t   testing.TB
	ctx context.Context
	m   app.Model
	in  chan tea.Msg
}

func newLoop(t testing.TB, ctx context.Context, m app.Model) *loop {
	l := &loop{t: t, ctx: ctx, m: m, in: make(chan tea.Msg, 256)}
	l.run(m.Init())
	return l
}

// run starts a command; its messages arrive on l.in.
func (l *loop) run(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	go func() {
		for _, msg := range l.exec(cmd) {
			select {
			case l.in <- msg:
			case <-l.ctx.Done():
				return
			}
		}
	}()
}

// exec runs a command, splitting batches (concurrently, through run) and
// sequences (in order), and returns the messages for this goroutine.
func (l *loop) exec(cmd tea.Cmd) []tea.Msg {
	msg := cmd()
	switch m := msg.(type) {
	case nil, tea.QuitMsg:
		return nil
	case tea.BatchMsg:
		for _, c := range m {
			l.run(c)
		}
		return nil
	}
	if seq := tuitest.Sequence(msg); seq != nil {
		var out []tea.Msg
		for _, c := range seq {
			if c != nil {
				out = append(out, l.exec(c)...)
			}
		}
		return out
	}
	return []tea.Msg{msg}
}

// send hands msgs to Update at once, as a key press or resize is.
func (l *loop) send(msgs ...tea.Msg) {
	for _, msg := range msgs {
		next, cmd := l.m.Update(msg)
		l.m = next.(app.Model)
		l.run(cmd)
	}
}

// keys presses each of ks in turn (names as tuitest.Key takes them).
func (l *loop) keys(ks ...string) {
	for _, k := range ks {
		l.send(tuitest.Key(k))
	}
}

// until feeds the commands' messages to Update until ok holds. It fails
// the test after within, showing the screen and what was waited for.
func (l *loop) until(what string, within time.Duration, ok func(app.Model) bool) {
	l.t.Helper()
	deadline := time.NewTimer(within)
	defer deadline.Stop()
	for !ok(l.m) {
		select {
		case msg := <-l.in:
			l.send(msg)
		case <-deadline.C:
			l.t.Fatalf("waited %s for %s; the screen:\n%s", within, what, l.screen())
		}
	}
}

// screen is the frame as text, styles stripped.
func (l *loop) screen() string { return ansi.Strip(l.m.Render()) }

// shows is a condition: the frame contains every one of want.
func shows(want ...string) func(app.Model) bool {
	return func(m app.Model) bool {
		v := ansi.Strip(m.Render())
		for _, w := range want {
			if !strings.Contains(v, w) {
				return false
			}
		}
		return true
	}
}
