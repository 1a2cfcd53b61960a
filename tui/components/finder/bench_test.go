package finder

import (
	"slices"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/mayday-tui/mayday/tui/internal/tuitest"
)

// BenchmarkKeyPressUpdateView is one key press handled and drawn with
// 5,000 workloads: the target is well under a 16 ms frame.
func BenchmarkKeyPressUpdateView5000(b *testing.B) {
	m := newFinder(b, tuitest.Rows(5000, true), 120, 40)
	keys := []tea.KeyPressMsg{tuitest.Key("down"), tuitest.Key("down"), tuitest.Key("pgdown"), tuitest.Key("up")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		m, _ = m.Update(keys[i%len(keys)])
		_ = m.View()
	}
}

// BenchmarkTypingFrame5000 is a typed character through to the frame that
// shows its matches, with 5,000 workloads: Update, the filter command,
// Update with its result, View.
func BenchmarkTypingFrame5000(b *testing.B) {
	benchTyping(b, 5000)
}

// BenchmarkTypingFrame100k is the same at 100,000 names. It reports the
// p50 and p99 keystroke→frame latency over typed queries with backspaces
// (the target: p99 ≤ 50 ms).
func BenchmarkTypingFrame100k(b *testing.B) {
	benchTyping(b, 100000)
}

func benchTyping(b *testing.B, n int) {
	base := newFinder(b, tuitest.Rows(n, true), 120, 40)
	// Queries an on-call engineer might type, with corrections.
	script := []string{"c", "h", "k", "backspace", "e", "c", "k", "esc2",
		"p", "a", "y", "-", "a", "p", "i", "esc2",
		"t", "0", "7", "/", "o", "r", "d", "backspace", "backspace", "esc2",
		"z", "z", "esc2"}
	var lat []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		m := base
		m.cache = &resultCache{}
		for _, k := range script {
			if k == "esc2" { // leave and clear the filter, untimed
				m, _ = m.Update(tuitest.Key("esc"))
				m, _ = m.Update(tuitest.Key("esc"))
				continue
			}
			start := time.Now()
			var cmd tea.Cmd
			m, cmd = m.Update(tuitest.Key(k))
			_ = m.View() // the frame that echoes the key
			if cmd != nil {
				msg := cmd()
				m, _ = m.Update(msg)
				_ = m.View() // the frame that shows the matches
			}
			lat = append(lat, time.Since(start))
		}
	}
	b.StopTimer()
	slices.Sort(lat)
	p := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
	b.ReportMetric(p(1), "max-ms")
}

// BenchmarkFilterFull100k is one full search (no narrowing) of 100k names
// for a one-letter query, the worst case.
func BenchmarkFilterFull100k(b *testing.B) {
	keys := keysOf(100000)
	never := func() bool { return false }
	b.ReportAllocs()
	for b.Loop() {
		filter("c", keys, nil, never)
	}
}

// BenchmarkTypingLoop100k types into the finder the way a person does, in
// a miniature of Bubble Tea's event loop: messages are handled one at a
// time (Update, then View for the frame) while commands run in their own
// goroutines and send their results back. A key arrives every 60 ms (a
// fast typist). It reports, over all keys:
//
//   - echo-p99-ms: key press → the frame that shows the typed character
//     (the list still shows the previous matches, marked "filtering…");
//   - result-p99-ms: key press → the frame that shows the matches of the
//     query, for keys whose query was not superseded by the next key.
func BenchmarkTypingLoop100k(b *testing.B) {
	base := newFinder(b, tuitest.Rows(100000, true), 120, 40)
	words := []string{"checkout", "pay-api", "t07/ord", "zz", "frontend-cache", "ledger"}
	const interval = 60 * time.Millisecond
	var echo, result []time.Duration
	type keyEv struct {
		k  tea.KeyPressMsg
		t0 time.Time
	}
	type resEv struct {
		msg tea.Msg
		t0  time.Time
	}
	b.ResetTimer()
	for b.Loop() {
		m := base
		m.cache = &resultCache{}
		for _, w := range words {
			events := make(chan any, 64)
			keys := tuitest.Type(w)
			keys = append(keys, tuitest.Key("backspace"), tuitest.Key("backspace"))
			go func() {
				for _, k := range keys {
					events <- keyEv{k, time.Now()}
					time.Sleep(interval)
				}
				time.Sleep(500 * time.Millisecond) // let the last search finish
				close(events)
			}()
			for ev := range events {
				switch ev := ev.(type) {
				case keyEv:
					var cmd tea.Cmd
					m, cmd = m.Update(ev.k)
					_ = m.View()
					echo = append(echo, time.Since(ev.t0))
					if cmd != nil {
						go func() { events <- resEv{cmd(), ev.t0} }()
					} else {
						result = append(result, time.Since(ev.t0)) // answered from the cache
					}
				case resEv:
					if ev.msg == nil {
						continue // a superseded search gave up
					}
					m, _ = m.Update(ev.msg)
					_ = m.View()
					if !m.Pending() {
						result = append(result, time.Since(ev.t0))
					}
				}
			}
			m, _ = m.ClearFilter()
		}
	}
	b.StopTimer()
	report := func(name string, d []time.Duration) {
		slices.Sort(d)
		p := func(q float64) float64 { return float64(d[int(q*float64(len(d)-1))].Microseconds()) / 1000 }
		b.ReportMetric(p(0.5), name+"-p50-ms")
		b.ReportMetric(p(0.99), name+"-p99-ms")
	}
	report("echo", echo)
	report("result", result)
}
