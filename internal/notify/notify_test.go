package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
)

// receiver is a webhook endpoint that records every body it gets and
// answers with the statuses given, in turn (the last one repeats).
type receiver struct {
	mu       sync.Mutex
	bodies   []string
	statuses []int
	hang     chan struct{} // when set, requests wait for it (or the client)
	srv      *httptest.Server
}

func newReceiver(t *testing.T, statuses ...int) *receiver {
	r := &receiver{statuses: statuses}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		b, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.bodies = append(r.bodies, string(b))
		n := len(r.bodies)
		hang := r.hang
		r.mu.Unlock()
		if req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("content type %q", req.Header.Get("Content-Type"))
		}
		if hang != nil {
			select {
			case <-hang:
			case <-req.Context().Done():
			}
			return
		}
		status := http.StatusOK
		if len(r.statuses) > 0 {
			status = r.statuses[min(n, len(r.statuses))-1]
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, http.StatusText(status))
	}))
	t.Cleanup(func() {
		if r.hang != nil {
			close(r.hang)
		}
		r.srv.Close()
	})
	return r
}

func (r *receiver) received() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.bodies...)
}

func openJournal(t *testing.T, n *Notifier) *incident.Journal {
	t.Helper()
	j, err := incident.Open(t.TempDir(), incident.Opened{Title: "checkout errors <!channel>", Severity: "SEV2",
		Workloads: []incident.Workload{{Namespace: "shop", Name: "deployment/checkout"}}},
		incident.Options{Actor: "alice", Host: "bastion-1", Observe: n.Observe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = j.Close() })
	return j
}

func waitAll(t *testing.T, n *Notifier) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.Wait(ctx); err != nil {
		t.Fatal("deliveries did not finish:", err)
	}
}

func notifications(j *incident.Journal) []incident.Record {
	var out []incident.Record
	for _, r := range j.Records() {
		if r.Type == incident.TypeNotificationSent || r.Type == incident.TypeNotificationFailed {
			out = append(out, r)
		}
	}
	return out
}

func TestSlackAndJSONBodies(t *testing.T) {
	slack, generic := newReceiver(t), newReceiver(t)
	n := &Notifier{Hooks: []Webhook{
		{Name: "team-slack", URL: slack.srv.URL, Format: FormatSlack},
		{Name: "pager", URL: generic.srv.URL, Format: FormatJSON, Events: []incident.Type{incident.TypeOpened, incident.TypeNote}},
	}}
	j := openJournal(t, n)
	if _, err := j.Note("bob", "payments paged; password=hunter2"); err != nil {
		t.Fatal(err)
	}
	if _, err := j.Append(incident.Record{Type: incident.TypeExecuted, Payload: incident.Phase{Action: "undo",
		Workload: incident.Workload{Namespace: "shop", Name: "deployment/checkout"}, Message: "rolled back to revision 4"}}); err != nil {
		t.Fatal(err)
	}
	waitAll(t, n)

	s := slack.received()
	if len(s) != 2 { // opened and executed; notes are not a default event
		t.Fatalf("slack got %d messages: %v", len(s), s)
	}
	// Deliveries run in the background: find each message by its event.
	opened, executed := s[0], s[1]
	if strings.Contains(opened, "executed:") {
		opened, executed = executed, opened
	}
	var body slackBody
	if err := json.Unmarshal([]byte(executed), &body); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(body.Text, "[SEV2] INC-") || !strings.Contains(body.Text, "executed: undo deployment/checkout: rolled back to revision 4") {
		t.Errorf("slack text %q", body.Text)
	}
	var openedBody slackBody
	if err := json.Unmarshal([]byte(opened), &openedBody); err != nil {
		t.Fatal(err)
	}
	if len(openedBody.Blocks) != 2 || !strings.Contains(openedBody.Blocks[0].Text.Text, "&lt;!channel&gt;") || strings.Contains(opened, "<!channel>") {
		t.Errorf("slack blocks not escaped: %s", opened)
	}

	g := generic.received()
	if len(g) != 2 {
		t.Fatalf("json got %d messages", len(g))
	}
	var m struct {
		Event    string
		Incident struct{ ID, Title, Severity, Owner string }
		Record   struct {
			Seq     int64
			Actor   string
			Payload struct{ Text string }
		}
	}
	note := g[1]
	if strings.Contains(g[0], `"note"`) {
		note = g[0]
	}
	if err := json.Unmarshal([]byte(note), &m); err != nil {
		t.Fatal(err)
	}
	if m.Event != "note" || m.Incident.ID != j.ID() || m.Incident.Owner != "alice" || m.Record.Actor != "bob" || m.Record.Seq < 2 ||
		!strings.Contains(m.Record.Payload.Text, "payments paged") {
		t.Errorf("json message %+v", m)
	}
	for _, b := range append(s, g...) {
		if strings.Contains(b, "hunter2") {
			t.Errorf("secret in a notification: %s", b)
		}
	}
	recs := notifications(j)
	if len(recs) != 4 {
		t.Fatalf("%d notification records", len(recs))
	}
	data, _ := os.ReadFile(j.File())
	if strings.Contains(string(data), slack.srv.URL) {
		t.Error("the webhook URL is in the journal")
	}
	for _, r := range recs {
		p := r.Payload.(incident.Notification)
		if r.Type != incident.TypeNotificationSent || p.Attempts != 1 || p.Status != 200 || p.Seq == 0 {
			t.Errorf("record %+v", p)
		}
	}
}

func TestRetriesUntilSuccess(t *testing.T) {
	rcv := newReceiver(t, 500, 503, 200)
	n := &Notifier{Backoff: time.Millisecond, Hooks: []Webhook{{Name: "flaky", URL: rcv.srv.URL, Format: FormatJSON, Retries: 3}}}
	j := openJournal(t, n)
	waitAll(t, n)
	if got := len(rcv.received()); got != 3 {
		t.Errorf("%d attempts received", got)
	}
	recs := notifications(j)
	if len(recs) != 1 || recs[0].Type != incident.TypeNotificationSent {
		t.Fatalf("records %+v", recs)
	}
	if p := recs[0].Payload.(incident.Notification); p.Attempts != 3 || p.Status != 200 || p.Error != "" || p.Event != incident.TypeOpened {
		t.Errorf("outcome %+v", p)
	}
}

func TestFailureIsRecorded(t *testing.T) {
	always500 := newReceiver(t, 500)
	badRequest := newReceiver(t, 400)
	n := &Notifier{Backoff: time.Millisecond, Hooks: []Webhook{
		{Name: "down", URL: always500.srv.URL, Format: FormatSlack, Retries: 2},
		{Name: "rejects", URL: badRequest.srv.URL, Format: FormatSlack, Retries: 2},
	}}
	j := openJournal(t, n)
	waitAll(t, n)
	if len(always500.received()) != 3 || len(badRequest.received()) != 1 {
		t.Errorf("attempts: %d to the failing server (want 3), %d to the rejecting one (want 1: a 400 is final)",
			len(always500.received()), len(badRequest.received()))
	}
	for _, r := range notifications(j) {
		p := r.Payload.(incident.Notification)
		if r.Type != incident.TypeNotificationFailed || !strings.HasPrefix(p.Error, "HTTP ") {
			t.Errorf("record %s %+v", r.Type, p)
		}
	}
}

// A webhook that never answers costs the caller nothing: Append returns at
// once, and the delivery gives up after its timeout and says so.
func TestHangingWebhookTimesOut(t *testing.T) {
	rcv := newReceiver(t)
	rcv.hang = make(chan struct{})
	n := &Notifier{Backoff: time.Millisecond, Hooks: []Webhook{{Name: "slow", URL: rcv.srv.URL, Format: FormatJSON, Timeout: 50 * time.Millisecond, Retries: 1}}}
	j := openJournal(t, n) // the opened record starts a delivery that hangs
	if _, err := j.Note("", "still writing while the webhook hangs"); err != nil {
		t.Fatal(err)
	}
	if notes := j.Incident().Records; notes != 2 {
		t.Errorf("%d records before the delivery ended", notes)
	}
	waitAll(t, n)
	recs := notifications(j)
	if len(recs) != 1 || recs[0].Type != incident.TypeNotificationFailed {
		t.Fatalf("records %+v", recs)
	}
	if p := recs[0].Payload.(incident.Notification); p.Attempts != 2 || !strings.Contains(p.Error, "no answer within 50ms") {
		t.Errorf("outcome %+v", p)
	}
}

func TestUnreachableWebhook(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	n := &Notifier{Backoff: time.Millisecond}
	out := n.Deliver(context.Background(), Webhook{Name: "gone", URL: url + "/hook?token=abc", Format: FormatJSON, Retries: 1},
		NewMessage(incident.Incident{ID: "INC-1"}, incident.Record{Type: incident.TypeOpened, Payload: incident.Opened{Title: "x"}}, nil))
	if out.Attempts != 2 || out.Error == "" || strings.Contains(out.Error, "token=abc") || strings.Contains(out.Error, url) {
		t.Errorf("outcome %+v", out)
	}
}

func TestCheck(t *testing.T) {
	good := Webhook{Name: "x", URL: "https://hooks.example.com/x", Format: FormatSlack, Events: []incident.Type{incident.TypeVerified}}
	if err := good.Check(); err != nil {
		t.Error(err)
	}
	bad := Webhook{URL: "ftp://x", Format: "xml", Events: []incident.Type{"notification-sent", "bogus"}, Timeout: -1}
	err := bad.Check()
	for _, s := range []string{"no name", "https://", `"xml"`, `"notification-sent" is not an event`, `"bogus"`, "negative"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not mention %s", err, s)
		}
	}
}
