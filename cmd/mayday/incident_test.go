package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/incident"
)

// journalCLI is a CLI whose journals go to a temporary directory.
func journalCLI(t *testing.T) (*cli, string) {
	t.Helper()
	c := newCLI(t, newDemo(t, false, demo.Options{}))
	dir := filepath.Join(t.TempDir(), "incidents")
	c.env["XDG_DATA_HOME"] = filepath.Join(t.TempDir(), "unused") // never the real one
	return c, dir
}

func (c *cli) journal(dir string, args ...string) result {
	c.t.Helper()
	return c.demoRun(append([]string{"--journal-dir", dir}, args...)...)
}

func onlyIncident(t *testing.T, dir string) string {
	t.Helper()
	list, err := incident.List(dir)
	if err != nil || len(list) != 1 {
		t.Fatalf("incidents in %s: %+v %v", dir, list, err)
	}
	return list[0].ID
}

func TestIncidentLifecycle(t *testing.T) {
	c, dir := journalCLI(t)
	r := c.journal(dir, "incident", "open", "checkout errors", "--severity", "sev2", "-w", "deploy/checkout", "-w", "app/shop")
	r.wantCode(t, 0)
	id := onlyIncident(t, dir)
	if !strings.HasPrefix(id, "INC-") || !strings.HasSuffix(id, "-checkout") || !strings.Contains(r.stdout, "opened "+id+": checkout errors") {
		t.Errorf("id %q, output:\n%s", id, r.stdout)
	}
	c.journal(dir, "incident", "note", id, "payments", "team", "paged").wantCode(t, 0)
	r = c.journal(dir, "incident", "ls")
	r.wantCode(t, 0)
	for _, s := range []string{id, "open", "SEV2", demo.User, "checkout errors"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("ls lacks %q:\n%s", s, r.stdout)
		}
	}
	r = c.journal(dir, "incident", "show", id)
	r.wantCode(t, 0)
	for _, s := range []string{"severity  SEV2", "workloads deployment/checkout -n shop, app/shop -n shop", "note: payments team paged"} {
		if !strings.Contains(r.stdout, s) {
			t.Errorf("show lacks %q:\n%s", s, r.stdout)
		}
	}
	r = c.journal(dir, "incident", "close", id, "--resolution", "rolled back to revision 4")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "#3 incident closed: rolled back to revision 4") {
		t.Errorf("close:\n%s", r.stdout)
	}
	r = c.journal(dir, "incident", "close", id)
	r.wantCode(t, 1)
	r.wantOneLineError(t, "already closed")
	c.journal(dir, "incident", "note", id, "post-mortem on Thursday").wantCode(t, 0) // notes after closing are fine
	r = c.journal(dir, "incident", "ls", "--open")
	if r.code != 0 || strings.Contains(r.stdout, id) {
		t.Errorf("closed incident listed as open:\n%s", r.stdout)
	}

	r = c.journal(dir, "incident", "show", id, "-o", "json")
	r.wantCode(t, 0)
	var doc struct {
		Incident struct {
			ID, Status, Owner, Severity string
			Workloads                   []struct{ Namespace, Name string }
		}
		Timeline []struct {
			Seq  int64
			Type string
		}
		Pending  []any
		Warnings []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Incident.ID != id || doc.Incident.Status != "closed" || doc.Incident.Owner != demo.User || len(doc.Timeline) != 4 ||
		doc.Timeline[2].Type != "incident-closed" || doc.Pending == nil || doc.Warnings == nil || len(doc.Incident.Workloads) != 2 {
		t.Errorf("json %+v", doc)
	}
	r = c.journal(dir, "incident", "ls", "-o", "json")
	var list []struct {
		ID      string
		Pending int
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 || list[0].ID != id {
		t.Errorf("ls json %s %v", r.stdout, err)
	}
}

// An action whose intent was journaled but not its result shows as
// outcome unknown, in show and in close's warning.
func TestIncidentShowOutcomeUnknown(t *testing.T) {
	c, dir := journalCLI(t)
	j, err := incident.Open(dir, incident.Opened{ID: "INC-7", Title: "checkout errors"}, incident.Options{Actor: "alice"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := j.Intent(context.Background(), incident.Action{Action: "undo", Workload: incident.Workload{Namespace: "shop", Name: "deployment/checkout"},
		Description: "roll back to revision 4"}); err != nil {
		t.Fatal(err)
	}
	_ = j.Close()
	r := c.journal(dir, "incident", "show", "INC-7")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "? about to undo deployment/checkout: roll back to revision 4 — outcome unknown") ||
		!strings.Contains(r.stdout, "1 action(s) with outcome unknown") {
		t.Errorf("show:\n%s", r.stdout)
	}
	r = c.journal(dir, "incident", "ls")
	if !strings.Contains(r.stdout, "open (1 outcome unknown)") {
		t.Errorf("ls:\n%s", r.stdout)
	}
	r = c.journal(dir, "incident", "close", "INC-7")
	r.wantCode(t, 0)
	if !strings.Contains(r.stderr, "1 action(s) with outcome unknown (#2 first)") {
		t.Errorf("close stderr:\n%s", r.stderr)
	}
}

func TestIncidentBadInput(t *testing.T) {
	c, dir := journalCLI(t)
	for _, tc := range []struct {
		args    []string
		code    int
		phrases []string
	}{
		{[]string{"incident", "open", "  "}, 2, []string{"title is empty"}},
		{[]string{"incident", "open", "x", "--severity", "very bad!"}, 2, []string{"--severity", "SEV2"}},
		{[]string{"incident", "open", "x", "-w", "pod/x"}, 2, []string{"--workload", "not KIND/NAME"}},
		{[]string{"incident", "open", "x", "--id", "../etc"}, 2, []string{"not an incident id"}},
		{[]string{"incident", "open"}, 2, []string{"TITLE"}},
		{[]string{"incident", "show", "INC-missing"}, 1, []string{"no incident INC-missing in " + dir, "mayday incident ls"}},
		{[]string{"incident", "show", "../x"}, 1, []string{"no journal file ../x"}},
		{[]string{"incident", "show", "bad id!"}, 2, []string{"not an incident id"}},
		{[]string{"incident", "note", "INC-missing"}, 2, []string{"an incident id and the note's text"}},
		{[]string{"incident", "note", "INC-missing", "hi"}, 1, []string{"no incident INC-missing"}},
		{[]string{"incident", "frobnicate"}, 2, []string{"frobnicate"}},
	} {
		r := c.journal(dir, tc.args...)
		if r.code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, r.code, tc.code, r.stdout, r.stderr)
			continue
		}
		r.wantOneLineError(t, tc.phrases...)
	}
	if _, err := os.Stat(dir); err == nil {
		t.Error("bad input created the journal directory")
	}
}

func TestIncidentUnwritableDir(t *testing.T) {
	if os.Getuid() == 0 {
		t.Skip("root writes anywhere")
	}
	c, _ := journalCLI(t)
	ro := t.TempDir()
	_ = os.Chmod(ro, 0o500)
	t.Cleanup(func() { _ = os.Chmod(ro, 0o700) })
	r := c.journal(filepath.Join(ro, "incidents"), "incident", "open", "x")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "cannot open the incident", "permission denied")
}

// A damaged journal still shows everything it holds, with warnings; one
// from a newer mayday says so.
func TestIncidentDamagedJournal(t *testing.T) {
	c, dir := journalCLI(t)
	c.journal(dir, "incident", "open", "x", "--id", "INC-9").wantCode(t, 0)
	c.journal(dir, "incident", "note", "INC-9", "kept").wantCode(t, 0)
	path := incident.Path(dir, "INC-9")
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"v":1,"seq":3,"type":"note","data":{"te`)
	_ = f.Close()
	r := c.journal(dir, "incident", "show", "INC-9")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "note: kept") || !strings.Contains(r.stderr, "warning: journal line 3: incomplete last record") {
		t.Errorf("show:\n%s\n%s", r.stdout, r.stderr)
	}
	r = c.journal(dir, "incident", "note", "INC-9", "after the crash")
	r.wantCode(t, 0)
	if !strings.Contains(r.stdout, "#3 note: after the crash") {
		t.Errorf("note after a torn line:\n%s%s", r.stdout, r.stderr)
	}
	f, _ = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	_, _ = f.WriteString(`{"v":7,"seq":9,"type":"hologram","incident":"INC-9"}` + "\n")
	_ = f.Close()
	r = c.journal(dir, "incident", "show", "INC-9")
	r.wantCode(t, 1)
	r.wantOneLineError(t, "newer mayday", "format 7", "upgrade mayday")
}

// hookServer records the webhook bodies it receives and answers status.
type hookServer struct {
	mu     sync.Mutex
	bodies []string
	status int
	srv    *httptest.Server
}

func newHookServer(t *testing.T, status int) *hookServer {
	h := &hookServer{status: status}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.bodies = append(h.bodies, string(b))
		h.mu.Unlock()
		w.WriteHeader(h.status)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hookServer) received() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.bodies...)
}

func TestIncidentNotifiesWebhooks(t *testing.T) {
	c, dir := journalCLI(t)
	good, bad := newHookServer(t, 200), newHookServer(t, 500)
	c.env["TEAM_HOOK"] = good.srv.URL + "/services/T0/B0/secret"
	config := "notify:\n  webhooks:\n" +
		"    - name: team\n      urlEnv: TEAM_HOOK\n      format: slack\n" +
		"    - name: broken\n      url: " + bad.srv.URL + "\n      format: json\n      retries: 1\n      timeout: 1s\n      events: [incident-opened]\n" +
		"    - name: unset\n      urlEnv: NOT_SET\n"
	if err := os.WriteFile(c.paths.ConfigFile(), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	r := c.journal(dir, "incident", "open", "checkout errors", "--id", "INC-42")
	r.wantCode(t, 0)
	for _, s := range []string{"webhook team notified of incident-opened", "warning: webhook broken not notified of incident-opened: HTTP 500 (2 attempts)",
		"warning: webhook unset: the environment variable NOT_SET (its urlEnv) is not set; it is not notified"} {
		if !strings.Contains(r.stderr, s) {
			t.Errorf("stderr lacks %q:\n%s", s, r.stderr)
		}
	}
	if got := good.received(); len(got) != 1 || !strings.Contains(got[0], `"text":"INC-42 incident-opened: incident opened by `+demo.User+`: checkout errors"`) {
		t.Errorf("team webhook got %v", got)
	}
	if got := bad.received(); len(got) != 2 || !strings.Contains(got[0], `"event":"incident-opened"`) {
		t.Errorf("broken webhook got %v", got)
	}
	c.journal(dir, "incident", "note", "INC-42", "not announced").wantCode(t, 0)
	c.journal(dir, "incident", "close", "INC-42").wantCode(t, 0)
	if got := good.received(); len(got) != 2 || !strings.Contains(got[1], "incident-closed") {
		t.Errorf("team webhook got %v", got)
	}
	_, recs, _, err := incident.Read(incident.Path(dir, "INC-42"))
	if err != nil {
		t.Fatal(err)
	}
	var sent, failed int
	for _, rec := range recs {
		switch rec.Type {
		case incident.TypeNotificationSent:
			sent++
		case incident.TypeNotificationFailed:
			failed++
		}
	}
	data, _ := os.ReadFile(incident.Path(dir, "INC-42"))
	if sent != 2 || failed != 1 || strings.Contains(string(data), "secret") || strings.Contains(string(data), good.srv.URL) {
		t.Errorf("sent %d, failed %d; journal:\n%s", sent, failed, data)
	}
}
