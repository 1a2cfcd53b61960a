package incident

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// BenchmarkAppend is one record written and synced (the cost of each
// journal line, and of the intent before every mutation).
func BenchmarkAppend(b *testing.B) {
	j, err := Open(b.TempDir(), Opened{Title: "bench"}, Options{Actor: "alice", Host: "h"})
	if err != nil {
		b.Fatal(err)
	}
	defer j.Close()
	w := Workload{Namespace: "shop", Name: "deployment/checkout"}
	defer reportCPU(b)()
	var took []time.Duration
	for b.Loop() {
		start := time.Now()
		if _, err := j.Append(Record{Type: TypeExecuted, Payload: Phase{Action: "undo", Workload: w,
			Message: "rolled back to revision 4", Detail: map[string]any{"revision": 4, "image": "checkout:2.0.3"}}}); err != nil {
			b.Fatal(err)
		}
		took = append(took, time.Since(start))
	}
	slices.Sort(took)
	b.ReportMetric(float64(took[len(took)/2].Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(took[len(took)*9/10].Microseconds())/1000, "p90-ms")
}

// WriteSample writes a journal of n records shaped like a long incident.
func writeSample(tb testing.TB, dir string, n int) *Journal {
	tb.Helper()
	now := t0
	j, err := Open(dir, Opened{Title: "checkout errors", Severity: "SEV2", Workloads: []Workload{{Namespace: "shop", Name: "deployment/checkout"}}},
		Options{Actor: "alice", Host: "bastion-1", Now: func() time.Time { now = now.Add(time.Second); return now }})
	if err != nil {
		tb.Fatal(err)
	}
	w := Workload{Namespace: "shop", Name: "deployment/checkout"}
	for i := 1; i < n; i++ {
		var r Record
		switch i % 5 {
		case 0:
			r = Record{Type: TypeSignal, Payload: Signal{Workload: w, Signal: "error_ratio", Verdict: "critical", Value: fmt.Sprintf("%d%%", i%40), Query: `sum(rate(http_requests_total{code=~"5.."}[5m]))`}}
		case 1:
			r = Record{Type: TypeProgress, Payload: Progress{Workload: w, Message: fmt.Sprintf("%d of 10 updated", i%10)}}
		case 2:
			r = Record{Type: TypeIntent, Payload: Action{Action: "undo", Workload: w, Description: "roll back to revision 4"}}
		case 3:
			r = Record{Type: TypeResult, Payload: Outcome{Intent: int64(i), Status: OutcomeSucceeded}}
		default:
			r = Record{Type: TypeNote, Payload: Note{Text: "still looking at the payment client"}}
		}
		if _, err := j.Append(r); err != nil {
			tb.Fatal(err)
		}
	}
	return j
}

// BenchmarkRead10k reads a journal of 10,000 records.
func BenchmarkRead10k(b *testing.B) {
	j := writeSampleFast(b, 10000)
	defer reportCPU(b)()
	for b.Loop() {
		if _, recs, _, err := Read(j); err != nil || len(recs) != 10000 {
			b.Fatal(err, len(recs))
		}
	}
}

// writeSampleFast builds the 10,000-record file without syncing each line.
func writeSampleFast(b *testing.B, n int) string {
	dir := b.TempDir()
	j := writeSample(b, dir, 50)
	_ = j.Close()
	recs := j.Records()
	path := j.File()
	data := encodeSample(b, recs, n)
	writeFile(b, path, data)
	return path
}
