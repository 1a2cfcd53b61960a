package incident

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The crash tests run this test binary again as a child that writes a
// scripted incident and reports on stdout every record it has synced. The
// parent kills it with SIGKILL at random points and checks the journal.
const (
	childDirEnv  = "MAYDAY_JOURNAL_CHILD_DIR"
	childIDEnv   = "MAYDAY_JOURNAL_CHILD_ID"
	childModeEnv = "MAYDAY_JOURNAL_CHILD_MODE"
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(childDirEnv); dir != "" {
		os.Exit(runChild(dir, os.Getenv(childIDEnv), os.Getenv(childModeEnv)))
	}
	os.Exit(m.Run())
}

// runChild writes records until killed (mode "incident") or writes a
// fixed number of notes (mode "notes:N"). Lines on stdout:
// "synced SEQ", "intent SEQ", "result INTENT SEQ".
func runChild(dir, id, mode string) int {
	opts := Options{Actor: "child", Host: "crash-test"}
	j, err := Load(dir, id, opts)
	var nf *NotFoundError
	if errors.As(err, &nf) || (err != nil && strings.Contains(err.Error(), "empty")) {
		j, err = Open(dir, Opened{ID: id, Title: "crash test", Workloads: []Workload{{Namespace: "shop", Name: "deployment/checkout"}}}, opts)
		if err == nil {
			fmt.Printf("synced 1\n")
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 3
	}
	out := bufio.NewWriterSize(os.Stdout, 64)
	report := func(format string, args ...any) {
		fmt.Fprintf(out, format+"\n", args...)
		_ = out.Flush() // unbuffered in effect: every line reaches the pipe before the next write
	}
	if n, ok := strings.CutPrefix(mode, "notes:"); ok {
		count, _ := strconv.Atoi(n)
		for i := range count {
			r, err := j.Note("", fmt.Sprintf("pid %d note %d", os.Getpid(), i))
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 4
			}
			report("synced %d", r.Seq)
		}
		return 0
	}
	w := Workload{Namespace: "shop", Name: "deployment/checkout"}
	ctx := context.Background()
	for i := 0; ; i++ {
		for _, rec := range []Record{
			{Type: TypeSignal, Payload: Signal{Workload: w, Signal: "error_ratio", Verdict: "critical", Value: fmt.Sprintf("%d%%", i%50)}},
			{Type: TypePlanned, Payload: Phase{Action: "undo", Workload: w, Message: strings.Repeat("plan ", i%40)}},
		} {
			r, err := j.Append(rec)
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 4
			}
			report("synced %d", r.Seq)
		}
		id, err := j.Intent(ctx, Action{Action: "undo", Workload: w, Description: "roll back to revision 4"})
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
		report("intent %d", id)
		// The mutation would be sent here.
		if err := j.Result(id, Outcome{Status: OutcomeSucceeded}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 4
		}
		last := j.Records()
		report("result %d %d", id, last[len(last)-1].Seq)
	}
}

type childReport struct {
	synced  map[int64]bool
	intents map[int64]bool
	results map[int64]bool // intents whose result was synced
}

// startChild runs the helper; kill (when > 0) SIGKILLs it after that many
// reported lines plus a random sliver of time.
func startChild(t *testing.T, dir, id, mode string, kill int, rnd *rand.Rand) (childReport, error) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir, childIDEnv+"="+id, childModeEnv+"="+mode)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rep := childReport{synced: map[int64]bool{}, intents: map[int64]bool{}, results: map[int64]bool{}}
	sc := bufio.NewScanner(stdout)
	lines := 0
	killed := false
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		n := func(i int) int64 { v, _ := strconv.ParseInt(f[i], 10, 64); return v }
		switch f[0] {
		case "synced":
			rep.synced[n(1)] = true
		case "intent":
			rep.synced[n(1)], rep.intents[n(1)] = true, true
		case "result":
			rep.synced[n(2)], rep.results[n(1)] = true, true
		}
		lines++
		if kill > 0 && lines == kill && !killed {
			time.Sleep(time.Duration(rnd.IntN(1500)) * time.Microsecond)
			_ = cmd.Process.Signal(syscall.SIGKILL)
			killed = true
			// Keep reading: lines already in the pipe were synced too.
		}
	}
	err = cmd.Wait()
	if killed {
		return rep, nil
	}
	if err != nil {
		return rep, fmt.Errorf("child: %v: %s", err, stderr.String())
	}
	return rep, nil
}

// TestCrashAtRandomPoints kills a writer at random points many times, with
// several runs resuming the same incident after a kill, and checks that
// every journal reads back, no synced record is lost, and intents without
// results are reported as such.
func TestCrashAtRandomPoints(t *testing.T) {
	iterations := 120
	if testing.Short() {
		iterations = 30
	}
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	dir := t.TempDir()
	everSynced := map[string]map[int64]bool{}
	everResults := map[string]map[int64]bool{}
	unknownSeen := 0
	for i := range iterations {
		id := fmt.Sprintf("INC-crash-%d", i/4) // four crashed runs per incident
		if everSynced[id] == nil {
			everSynced[id], everResults[id] = map[int64]bool{}, map[int64]bool{}
		}
		rep, err := startChild(t, dir, id, "incident", 1+rnd.IntN(30), rnd)
		if err != nil {
			t.Fatalf("run %d: %v", i, err)
		}
		for s := range rep.synced {
			everSynced[id][s] = true
		}
		for s := range rep.results {
			everResults[id][s] = true
		}
		_, recs, warns, err := Read(Path(dir, id))
		if err != nil {
			if len(everSynced[id]) == 0 {
				continue // killed before the first record was synced
			}
			t.Fatalf("run %d: %v", i, err)
		}
		seen := map[int64]bool{}
		var prev int64
		for _, r := range recs {
			if r.Seq <= prev {
				t.Fatalf("run %d: seq %d after %d", i, r.Seq, prev)
			}
			prev = r.Seq
			seen[r.Seq] = true
		}
		for s := range everSynced[id] {
			if !seen[s] {
				t.Fatalf("run %d: synced record %d lost; warnings %v", i, s, warns)
			}
		}
		pending := map[int64]bool{}
		for _, r := range Pending(recs) {
			pending[r.Seq] = true
		}
		unknownSeen += len(pending)
		for s := range everResults[id] {
			if pending[s] {
				t.Fatalf("run %d: intent %d has a synced result but reads as unknown", i, s)
			}
		}
		for s := range rep.intents {
			if !rep.results[s] && !pending[s] && !hasResult(recs, s) {
				t.Fatalf("run %d: intent %d without result is not reported", i, s)
			}
		}
		for _, w := range warns {
			if !strings.Contains(w.Msg, "incomplete last record") && !strings.Contains(w.Msg, "not a journal record") {
				t.Fatalf("run %d: unexpected warning %v", i, w)
			}
		}
	}
	// Each resumed run leaves the earlier runs' unresolved intents in place.
	t.Logf("%d runs, %d journals; intents read back as outcome unknown (summed over runs): %d", iterations, len(everSynced), unknownSeen)
}

func hasResult(recs []Record, intent int64) bool {
	for _, r := range recs {
		if o, ok := r.Payload.(Outcome); ok && o.Intent == intent {
			return true
		}
	}
	return false
}

// Two processes appending to one incident at once: no line interleaves,
// every record is numbered once.
func TestTwoProcessesAppend(t *testing.T) {
	dir := t.TempDir()
	j, err := Open(dir, Opened{ID: "INC-two", Title: "two writers"}, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	const each = 40
	errs := make(chan error, 2)
	reps := make(chan childReport, 2)
	for range 2 {
		go func() {
			rep, err := startChild(t, dir, "INC-two", fmt.Sprintf("notes:%d", each), 0, nil)
			reps <- rep
			errs <- err
		}()
	}
	all := map[int64]bool{}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
		for s := range (<-reps).synced {
			if all[s] {
				t.Fatalf("seq %d reported by both writers", s)
			}
			all[s] = true
		}
	}
	_, recs, warns, err := Read(Path(dir, "INC-two"))
	if err != nil || len(warns) > 0 {
		t.Fatalf("%v %v", err, warns)
	}
	if len(recs) != 1+2*each {
		t.Fatalf("%d records", len(recs))
	}
	pids := map[int]bool{}
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
		pids[r.PID] = true
	}
	if len(pids) != 3 {
		t.Errorf("writers %v, want the opener and two children", pids)
	}
}
