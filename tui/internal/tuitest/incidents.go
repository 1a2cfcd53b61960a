package tuitest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/tui/common"
)

// Incidents is a common.Incidents over a real journal directory, as the
// console's own is: every incident is a journal file written by
// internal/incident, so screens are tested against real journals.
type Incidents struct {
	mu    sync.Mutex
	dir   string
	actor string
	opts  incident.Options
	cur   *incident.Journal
	// Opens counts the calls to Open.
	Opens int
	// Client reads objects back for Reconcile (nil: it refuses).
	Client kubernetes.Interface
}

// NewIncidents keeps journals in dir (usually t.TempDir()), acting as
// actor, with the pinned clock so ids are predictable
// (INC-20260314-0926-<workload>). Journals are closed when the test ends.
func NewIncidents(t testing.TB, dir, actor string) *Incidents {
	t.Helper()
	in := &Incidents{dir: dir, actor: actor, opts: incident.Options{Actor: actor, Host: "bastion-1", Now: Now}}
	t.Cleanup(func() {
		in.mu.Lock()
		defer in.mu.Unlock()
		if in.cur != nil {
			_ = in.cur.Close()
		}
	})
	return in
}

// Current is the incident opened last.
func (in *Incidents) Current() (incident.Incident, bool) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.cur == nil {
		return incident.Incident{}, false
	}
	_ = in.cur.Refresh()
	return in.cur.Incident(), true
}

// Open creates a journal and makes it current.
func (in *Incidents) Open(o incident.Opened) (incident.Incident, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	in.Opens++
	j, err := incident.Open(in.dir, o, in.opts)
	if err != nil {
		return incident.Incident{}, err
	}
	if in.cur != nil {
		_ = in.cur.Close()
	}
	in.cur = j
	return j.Incident(), nil
}

// Note appends to the current incident.
func (in *Incidents) Note(text string) error {
	j := in.Journal()
	if j == nil {
		return incident.ErrClosed
	}
	_, err := j.Note(in.actor, text)
	return err
}

func (in *Incidents) Actor() string { return in.actor }
func (in *Incidents) Dir() string   { return in.dir }

// Lookup reads the incident's journal in the directory.
func (in *Incidents) Lookup(id string) (incident.Incident, bool) {
	if incident.CheckID(id) != nil {
		return incident.Incident{}, false
	}
	inc, _, _, err := incident.Read(incident.Path(in.dir, id))
	if err != nil {
		return incident.Incident{}, false
	}
	return inc, true
}

// Pending lists the intents without a result in the directory.
func (in *Incidents) Pending() []incident.PendingIntent {
	p, _ := incident.PendingIn(in.dir)
	return p
}

// Reconcile settles the pending intents against Client, as the
// console's journal does.
func (in *Incidents) Reconcile(ctx context.Context) ([]string, error) {
	if in.Client == nil {
		return nil, errors.New("no cluster to read back")
	}
	var lines []string
	done := map[string]bool{}
	for _, p := range in.Pending() {
		if done[p.Path] {
			continue
		}
		done[p.Path] = true
		j, err := incident.LoadFile(p.Path, in.opts)
		if err != nil {
			return lines, err
		}
		for _, rc := range actionlog.Reconcile(ctx, in.Client, j, in.actor) {
			lines = append(lines, fmt.Sprintf("%s #%d %s", p.Incident, rc.Intent.Seq, rc.Status))
		}
		_ = j.Close()
	}
	return lines, nil
}

// Journal is the current incident's journal (nil: none), for tests to
// append records as the action layer would.
func (in *Incidents) Journal() *incident.Journal {
	in.mu.Lock()
	defer in.mu.Unlock()
	return in.cur
}

// Options are the journal options the fake writes with (for tests that
// open journals of their own in the same directory).
func (in *Incidents) Options() incident.Options { return in.opts }

var _ common.Incidents = (*Incidents)(nil)

// checkoutWorkload is what the scripted incident is about.
func checkoutWorkload() incident.Workload {
	return incident.Workload{Namespace: "shop", Name: "deployment/checkout"}
}

// ScriptedIncident opens an incident about checkout through in and
// records what the console records during one: a signal, the decision,
// a rollback (intent and result), its verification and a note. It
// returns the incident as its journal leaves it.
func ScriptedIncident(t testing.TB, in *Incidents) incident.Incident {
	t.Helper()
	if _, err := in.Open(incident.Opened{Title: "checkout errors", Severity: "SEV2", Workloads: []incident.Workload{checkoutWorkload()}}); err != nil {
		t.Fatal(err)
	}
	j := in.Journal()
	w := checkoutWorkload()
	for _, r := range []incident.Record{
		{Type: incident.TypeSignal, Payload: incident.Signal{Workload: w, Signal: "error_ratio", Previous: "healthy", Verdict: "critical", Value: "7.2%", Threshold: "5%"}},
		{Type: incident.TypeDecision, Payload: incident.Decision{Workload: w, Recommendation: "rollback", Target: "revision 5",
			Reasons: []string{"errors started with revision 6"}}},
	} {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	id, err := j.Intent(context.Background(), incident.Action{Action: "undo", Workload: w, Description: "roll back to revision 5"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Result(id, incident.Outcome{Status: incident.OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(incident.Record{Type: incident.TypeVerified, Payload: incident.Phase{Action: "undo", Workload: w, Message: "healthy for the 2m bake"}}); err != nil {
		t.Fatal(err)
	}
	if err := in.Note("payments team confirms recovery"); err != nil {
		t.Fatal(err)
	}
	inc, _ := in.Current()
	return inc
}

// LongIncident is the scripted incident's journal grown to n records:
// its records repeated and renumbered, the way a long incident with many
// actions, notes and verifications grows. It returns the incident as
// read back from the file.
func LongIncident(tb testing.TB, in *Incidents, n int) incident.Incident {
	tb.Helper()
	inc := ScriptedIncident(tb, in)
	recs := in.Journal().Records()
	var buf bytes.Buffer
	for i := range n {
		r := recs[0]
		if i > 0 {
			r = recs[1+(i-1)%(len(recs)-1)]
		}
		r.Seq = int64(i + 1)
		if o, ok := r.Payload.(incident.Outcome); ok {
			o.Intent = r.Seq - 1
			r.Payload = o
		}
		line, err := json.Marshal(r)
		if err != nil {
			tb.Fatal(err)
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := os.WriteFile(inc.Path, buf.Bytes(), 0o600); err != nil {
		tb.Fatal(err)
	}
	read, got, _, err := incident.Read(inc.Path)
	if err != nil || len(got) != n {
		tb.Fatalf("%v: %d records", err, len(got))
	}
	read.Path = inc.Path
	return read
}
