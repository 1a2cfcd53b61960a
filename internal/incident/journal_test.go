package incident

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/redact"
)

var t0 = time.Date(2026, 11, 25, 14, 20, 0, 0, time.UTC)

// clock returns t0, then a second later on each call.
func clock() func() time.Time {
	var mu sync.Mutex
	n := 0
	return func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		n++
		return t0.Add(time.Duration(n-1) * time.Second)
	}
}

func testOptions() Options {
	return Options{Actor: "alice", Host: "bastion-1", Now: clock()}
}

func openTest(t *testing.T, dir string) *Journal {
	t.Helper()
	j, err := Open(dir, Opened{Title: "checkout errors", Severity: "SEV2",
		Workloads: []Workload{{Namespace: "shop", Name: "deployment/checkout"}}}, testOptions())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func TestOpenAppendRead(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	if j.ID() != "INC-20261125-1420-checkout" {
		t.Errorf("id %q", j.ID())
	}
	w := Workload{Namespace: "shop", Name: "deployment/checkout"}
	steps := []Record{
		{Type: TypeSignal, Payload: Signal{Workload: w, Signal: "error_ratio", Previous: "healthy", Verdict: "critical", Value: "7.2%", Threshold: "5%"}},
		{Type: TypeDecision, Payload: Decision{Workload: w, Recommendation: "rollback", Target: "revision 4",
			Answers: []Answer{{Question: "severity", Answer: "critical", Source: "health"}, {Question: "quick fix", Answer: "no", Overridden: true}}}},
		{Type: TypePlanned, Payload: Phase{Action: "undo", Workload: w, Message: "roll back to revision 4", Duration: 12 * time.Millisecond}},
		{Type: TypeConfirmed, Actor: "bob", Payload: Phase{Action: "undo", Workload: w}},
	}
	for _, r := range steps {
		if _, err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	id, err := j.Intent(context.Background(), Action{Action: "undo", Workload: w, Description: "roll back to revision 4", ResourceVersion: "812"})
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Result(id, Outcome{Status: OutcomeSucceeded}); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Note("", "payments team paged"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CloseIncident("", "rolled back to revision 4"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.CloseIncident("", "again"); err == nil {
		t.Error("closed twice")
	}

	inc, recs, warns, err := Read(j.File())
	if err != nil || len(warns) > 0 {
		t.Fatalf("read: %v %v", err, warns)
	}
	if len(recs) != 9 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Seq != int64(i+1) || r.Incident != j.ID() || r.Host != "bastion-1" || r.PID != os.Getpid() {
			t.Errorf("record %d: %+v", i, r)
		}
	}
	if recs[4].Actor != "bob" || recs[5].Actor != "alice" {
		t.Errorf("actors %q %q", recs[4].Actor, recs[5].Actor)
	}
	if o := recs[6].Payload.(Outcome); o.Intent != int64(id) || o.Status != OutcomeSucceeded || o.Duration != time.Second {
		t.Errorf("outcome %+v", o)
	}
	if d := recs[2].Payload.(Decision); !d.Answers[1].Overridden {
		t.Errorf("decision %+v", d)
	}
	want := Incident{ID: j.ID(), Title: "checkout errors", Severity: "SEV2", Owner: "alice", Status: StatusClosed,
		Workloads: []Workload{{Namespace: "shop", Name: "deployment/checkout"}}, Host: "bastion-1",
		Opened: t0, Closed: t0.Add(8 * time.Second), Resolution: "rolled back to revision 4", Actions: 1,
		Records: 9, Last: t0.Add(8 * time.Second), Path: j.File()}
	if !equalIncident(inc, want) {
		t.Errorf("incident\n got %+v\nwant %+v", inc, want)
	}
	if got := j.Incident(); !equalIncident(got, want) {
		t.Errorf("journal's incident %+v", got)
	}
	if _, err := j.Intent(context.Background(), Action{Action: "undo", Workload: w}); !errors.Is(err, ErrClosed) {
		t.Errorf("intent on a closed incident: %v", err)
	}
}

func equalIncident(a, b Incident) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Severity == b.Severity && a.Owner == b.Owner && a.Status == b.Status &&
		len(a.Workloads) == len(b.Workloads) && a.Host == b.Host && a.Opened.Equal(b.Opened) && a.Closed.Equal(b.Closed) &&
		a.Resolution == b.Resolution && a.Actions == b.Actions && a.Records == b.Records && a.Last.Equal(b.Last) && a.Path == b.Path
}

func TestIntentWithoutResultIsUnknown(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	w := Workload{Namespace: "shop", Name: "deployment/checkout"}
	first, _ := j.Intent(context.Background(), Action{Action: "undo", Workload: w, Description: "roll back to revision 4"})
	_ = j.Result(first, Outcome{Status: OutcomeFailed, Error: "conflict"})
	second, err := j.Intent(context.Background(), Action{Action: "set-image", Workload: w, Description: "checkout=2.1.1"})
	if err != nil {
		t.Fatal(err)
	}
	_ = j.Close() // the process stops before the result

	_, recs, _, err := Read(Path(dir, j.ID()))
	if err != nil {
		t.Fatal(err)
	}
	p := Pending(recs)
	if len(p) != 1 || p[0].Seq != int64(second) {
		t.Fatalf("pending %+v", p)
	}
	var unknown []Entry
	for _, e := range Timeline(recs) {
		if e.Unknown {
			unknown = append(unknown, e)
		}
		if e.Seq == int64(first) && (e.Unknown || e.Outcome != OutcomeFailed) {
			t.Errorf("first intent %+v", e)
		}
	}
	if len(unknown) != 1 || !strings.Contains(unknown[0].Text, "outcome unknown") {
		t.Errorf("unknown entries %+v", unknown)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	j2, err := Load(dir, j.ID(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if _, err := j2.Intent(ctx, Action{Action: "undo", Workload: w}); err == nil {
		t.Error("intent written under a cancelled context")
	}
}

// Cutting the file at every byte: whatever is cut, every whole record
// before the cut reads back, and the torn one is reported, never an error.
func TestTruncatedAtEveryByte(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	for i := range 4 {
		if _, err := j.Note("", strings.Repeat("x", i*7)); err != nil {
			t.Fatal(err)
		}
	}
	data, _ := os.ReadFile(j.File())
	ends := []int{}
	for i, b := range data {
		if b == '\n' {
			ends = append(ends, i+1)
		}
	}
	for cut := ends[0]; cut <= len(data); cut++ {
		_, recs, warns, err := Parse(data[:cut])
		if err != nil {
			t.Fatalf("cut at %d: %v", cut, err)
		}
		whole := 0
		for _, e := range ends {
			if e <= cut {
				whole++
			}
		}
		torn := cut > 0 && data[cut-1] != '\n'
		wantRecs := whole
		if torn && cut == ends[min(whole, len(ends)-1)]-1 {
			wantRecs++ // only the line end is missing: the record is whole
		}
		if len(recs) != wantRecs {
			t.Fatalf("cut at %d: %d records, want %d", cut, len(recs), wantRecs)
		}
		if torn && len(recs) == whole && len(warns) != 1 {
			t.Fatalf("cut at %d: warnings %v", cut, warns)
		}
	}
}

// After a crash tore the last line, the next writer starts a new line:
// the torn bytes stay (as a skipped line) and every record reads back.
func TestAppendAfterTornLine(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	if _, err := j.Note("", "before the crash"); err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	f, _ := os.OpenFile(j.File(), os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"v":1,"seq":3,"time":"2026-11-25T14:20:09Z","type":"note","incident":"INC-`)
	_ = f.Close()

	j2, err := Load(dir, j.ID(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	if len(j2.Warnings()) != 1 {
		t.Errorf("load warnings %v", j2.Warnings())
	}
	r, err := j2.Note("", "after the crash")
	if err != nil {
		t.Fatal(err)
	}
	if r.Seq != 3 {
		t.Errorf("seq %d after a torn record, want 3", r.Seq)
	}
	_, recs, warns, err := Read(j.File())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[2].Payload.(Note).Text != "after the crash" {
		t.Errorf("records %+v", recs)
	}
	if len(warns) != 1 || warns[0].Line != 3 || !strings.Contains(warns[0].Msg, "not a journal record") {
		t.Errorf("warnings %v", warns)
	}
}

func TestNewerFormatIsAClearError(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	_ = j.Close()
	f, _ := os.OpenFile(j.File(), os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"v":2,"seq":2,"time":"2026-11-25T14:20:09Z","type":"hologram","incident":"x","data":{}}` + "\n")
	_ = f.Close()
	_, _, _, err := Read(j.File())
	var newer *NewerFormatError
	if !errors.As(err, &newer) || !strings.Contains(err.Error(), "upgrade mayday") || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("err = %v", err)
	}
	if _, err := Load(dir, j.ID(), testOptions()); !errors.As(err, &newer) {
		t.Errorf("load: %v", err)
	}
}

func TestBadFiles(t *testing.T) {
	dir := t.TempDir()
	for name, content := range map[string]string{
		"empty.jsonl":    "",
		"notes.jsonl":    "just some text\n",
		"headless.jsonl": `{"v":1,"seq":1,"time":"2026-11-25T14:20:09Z","type":"note","incident":"x","data":{"text":"hi"}}` + "\n",
	} {
		p := filepath.Join(dir, name)
		_ = os.WriteFile(p, []byte(content), 0o600)
		if _, _, _, err := Read(p); err == nil {
			t.Errorf("%s: no error", name)
		}
		if _, err := LoadFile(p, testOptions()); err == nil {
			t.Errorf("%s: loaded for appending", name)
		}
	}
	var nf *NotFoundError
	if _, err := Load(dir, "INC-nope", testOptions()); !errors.As(err, &nf) || !strings.Contains(err.Error(), "mayday incident ls") {
		t.Errorf("unknown id: %v", err)
	}
	if _, err := Load(dir, "../etc/passwd", testOptions()); err == nil || !strings.Contains(err.Error(), "not an incident id") {
		t.Errorf("path as id: %v", err)
	}
}

func TestUnwritableDirRefusesBeforeAnything(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root writes anywhere")
	}
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(dir, 0o700) })
	_, err := Open(filepath.Join(dir, "incidents"), Opened{Title: "x"}, testOptions())
	if err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Errorf("err = %v", err)
	}
	_, err = Open(dir, Opened{Title: "x"}, testOptions())
	if err == nil || !strings.Contains(err.Error(), "cannot create the journal") {
		t.Errorf("err = %v", err)
	}
}

func TestIDs(t *testing.T) {
	for name, want := range map[string]string{
		"deployment/checkout":     "INC-20261125-1420-checkout",
		"Checkout errors (EU)!":   "INC-20261125-1420-checkout-errors-eu",
		"":                        "INC-20261125-1420-incident",
		"ünïcode only ✓":          "INC-20261125-1420-n-code-only",
		strings.Repeat("ab ", 40): "INC-20261125-1420-ab-ab-ab-ab-ab-ab-ab-ab",
	} {
		if got := NewID(t0, name); got != want {
			t.Errorf("NewID(%q) = %q, want %q", name, got, want)
		}
		if err := CheckID(NewID(t0, name)); err != nil {
			t.Error(err)
		}
	}
	dir := t.TempDir()
	a, b := openTest(t, dir), openTest(t, dir)
	if a.ID() == b.ID() || b.ID() != a.ID()+"-2" {
		t.Errorf("ids %q %q", a.ID(), b.ID())
	}
	if _, err := Open(dir, Opened{ID: a.ID(), Title: "x"}, testOptions()); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("explicit id reused: %v", err)
	}
	// A journal left empty by a crash during creation is reused.
	_ = os.WriteFile(Path(dir, "INC-empty"), nil, 0o600)
	j, err := Open(dir, Opened{ID: "INC-empty", Title: "x"}, testOptions())
	if err != nil {
		t.Fatalf("empty journal not reused: %v", err)
	}
	_ = j.Close()
}

func TestListAndLocate(t *testing.T) {
	dir := t.TempDir()
	a := openTest(t, dir)
	_, _ = a.Intent(context.Background(), Action{Action: "undo", Workload: Workload{Name: "deployment/checkout"}})
	opts := testOptions()
	opts.Now = func() time.Time { return t0.Add(time.Hour) }
	b, err := Open(dir, Opened{Title: "payments latency"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	_ = os.WriteFile(filepath.Join(dir, "broken.jsonl"), []byte("garbage\n"), 0o600)
	_ = os.WriteFile(filepath.Join(dir, a.ID()+".report.json"), []byte("{}"), 0o600)
	list, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 3 || list[0].ID != b.ID() || list[1].ID != a.ID() || list[1].Pending != 1 || list[2].Err == nil {
		t.Errorf("list %+v", list)
	}
	var buf bytes.Buffer
	_ = WriteList(&buf, list, TextOptions{})
	for _, s := range []string{"INC-20261125-1520-payments-latency", "open (1 outcome unknown)", "broken", "unreadable"} {
		if !strings.Contains(buf.String(), s) {
			t.Errorf("list output lacks %q:\n%s", s, buf.String())
		}
	}
	if l, err := List(filepath.Join(dir, "missing")); err != nil || len(l) != 0 {
		t.Errorf("missing dir: %v %v", l, err)
	}
	if p, err := Locate(dir, a.ID()); err != nil || p != a.File() {
		t.Errorf("locate id: %q %v", p, err)
	}
	if p, err := Locate("/elsewhere", a.File()); err != nil || p != a.File() {
		t.Errorf("locate path: %q %v", p, err)
	}
	if _, err := Locate(dir, "INC-missing"); err == nil || !strings.Contains(err.Error(), "no incident INC-missing") {
		t.Errorf("locate missing: %v", err)
	}
}

// Planted secrets in every kind of payload never reach the file.
func TestJournalRedactsPayloads(t *testing.T) {
	dir := t.TempDir()
	opts := testOptions()
	opts.Redactor = redact.New("correct-horse-battery")
	j, err := Open(dir, Opened{Title: "db password=hunter2 leaked"}, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer j.Close()
	w := Workload{Namespace: "shop", Name: "deployment/checkout"}
	recs := []Record{
		{Type: TypeNote, Payload: Note{Text: "curl -H 'Authorization: Bearer abcdefghijklmnop' failed"}},
		{Type: TypeExecuted, Payload: Phase{Action: "set-image", Workload: w, Detail: map[string]any{
			"env": map[string]any{"DB_PASSWORD": "hunter3", "LOG": "info"}, "log": []any{"token ghp_16C7e42F292c6912E7710c838347Ae178B4a"}}}},
		{Type: TypeProgress, Payload: Progress{Workload: w, Message: "pod says secret correct-horse-battery"}},
		{Type: TypeSignal, Payload: Signal{Workload: w, Query: `sum(rate(x{token="eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig"}[5m]))`}},
	}
	for _, r := range recs {
		got, err := j.Append(r)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(got.Payload.Summary(), "hunter") {
			t.Errorf("returned record holds a secret: %s", got.Payload.Summary())
		}
	}
	if _, err := j.Intent(context.Background(), Action{Action: "undo", Workload: w, Description: "AKIAIOSFODNN7EXAMPLE"}); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(j.File())
	for _, s := range []string{"hunter2", "hunter3", "abcdefghijklmnop", "ghp_16C7", "correct-horse-battery", "eyJzdWIi", "AKIAIOSFODNN7EXAMPLE"} {
		if bytes.Contains(data, []byte(s)) {
			t.Errorf("journal holds %q", s)
		}
	}
	if !bytes.Contains(data, []byte(`"LOG":"info"`)) {
		t.Errorf("ordinary values lost:\n%s", data)
	}
}

// Two handles on one incident (as two processes hold) take turns: every
// record is whole and numbered once, in file order.
func TestConcurrentHandles(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	j2, err := Load(dir, j.ID(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer j2.Close()
	var wg sync.WaitGroup
	for _, h := range []*Journal{j, j2, j, j2} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if _, err := h.Note("", strings.Repeat("n", i*50)); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	_, recs, warns, err := Read(j.File())
	if err != nil || len(warns) > 0 {
		t.Fatalf("%v %v", err, warns)
	}
	if len(recs) != 101 {
		t.Fatalf("%d records", len(recs))
	}
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("record %d has seq %d", i, r.Seq)
		}
	}
	if err := j.Refresh(); err != nil || j.Incident().Records != 101 {
		t.Errorf("refresh: %v, %d records", err, j.Incident().Records)
	}
}

// An incident closed by another process refuses new intents here too.
func TestIntentRefusedAfterCloseElsewhere(t *testing.T) {
	dir := t.TempDir()
	j := openTest(t, dir)
	other, err := Load(dir, j.ID(), testOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.CloseIncident("bob", "done"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Intent(context.Background(), Action{Action: "undo", Workload: Workload{Name: "deployment/checkout"}}); !errors.Is(err, ErrClosed) {
		t.Errorf("intent after a close elsewhere: %v", err)
	}
	if p := Pending(j.Records()); len(p) != 0 {
		t.Errorf("a refused intent was written: %+v", p)
	}
}
