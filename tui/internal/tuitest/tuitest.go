// Package tuitest has helpers for the console's tests and benchmarks:
// a pinned clock and ASCII styles, key messages, synthetic workloads, a
// fake cluster, and golden files.
package tuitest

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"

	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/kube"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/themes"
	"github.com/mayday-tui/mayday/tui/common"
	"github.com/mayday-tui/mayday/tui/keys"
	"github.com/mayday-tui/mayday/tui/styles"
	"github.com/mayday-tui/mayday/tui/workload"
)

// Update rewrites golden files: go test ./tui/... -update
var Update = flag.Bool("update", false, "rewrite golden files")

// Now is the pinned clock of every test.
func Now() time.Time { return time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC) }

// Common returns shared state with ASCII styles of the default theme and
// the pinned clock.
func Common(w, h int) *common.Common {
	cat, err := themes.Builtin()
	if err != nil {
		panic(err)
	}
	t, _ := cat.Resolve("default")
	km := keys.Default()
	return &common.Common{
		Width: w, Height: h,
		Styles:  styles.New(t, true, colorprofile.ASCII),
		Keys:    &km,
		Context: "demo", Namespace: "shop",
		Now: Now,
	}
}

// Key builds a key press the way Bubble Tea reports it.
func Key(s string) tea.KeyPressMsg {
	special := map[string]rune{
		"enter": tea.KeyEnter, "esc": tea.KeyEscape, "up": tea.KeyUp, "down": tea.KeyDown,
		"pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown, "home": tea.KeyHome, "end": tea.KeyEnd,
		"backspace": tea.KeyBackspace, "tab": tea.KeyTab, "space": tea.KeySpace,
	}
	if r, ok := special[s]; ok {
		k := tea.KeyPressMsg{Code: r}
		if s == "space" {
			k.Text = " "
		}
		return k
	}
	if rest, ok := strings.CutPrefix(s, "ctrl+"); ok {
		return tea.KeyPressMsg{Code: []rune(rest)[0], Mod: tea.ModCtrl}
	}
	r := []rune(s)
	return tea.KeyPressMsg{Code: r[0], Text: s}
}

// Type returns one key press per rune of s.
func Type(s string) []tea.KeyPressMsg {
	var out []tea.KeyPressMsg
	for _, r := range s {
		out = append(out, Key(string(r)))
	}
	return out
}

// Run runs a command synchronously, flattening batches, and returns the
// messages it produced (nil messages dropped). Commands that would block
// (waits, ticks) must not be run this way.
func Run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	msg := cmd()
	switch m := msg.(type) {
	case nil:
		return nil
	case tea.BatchMsg:
		var out []tea.Msg
		for _, c := range m {
			out = append(out, Run(c)...)
		}
		return out
	}
	if seq := Sequence(msg); seq != nil {
		var out []tea.Msg
		for _, c := range seq {
			out = append(out, Run(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// Sequence returns the commands of a tea.Sequence's message, in order, or
// nil for any other message. Bubble Tea keeps the message type
// unexported; it is a slice of commands, which is what this looks for.
func Sequence(msg tea.Msg) []tea.Cmd {
	v := reflect.ValueOf(msg)
	if !v.IsValid() || v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeFor[tea.Cmd]() {
		return nil
	}
	if _, batch := msg.(tea.BatchMsg); batch {
		return nil
	}
	out := make([]tea.Cmd, v.Len())
	for i := range out {
		out[i] = v.Index(i).Interface().(tea.Cmd)
	}
	return out
}

// Demo is the demo cluster behind an informer cache, as the console
// reads it, with the actions the console takes on it.
type Demo struct {
	Cluster *demo.Cluster
	Cache   *kube.Cache
	Deps    common.Deps
}

// NewDemo seeds a demo cluster, starts its controllers when start is set
// (with a frozen clock they do nothing: goldens), and waits for the
// cache's first list. Everything stops when the test ends.
func NewDemo(t testing.TB, opts demo.Options, start bool) *Demo {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	cl, err := demo.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	if start {
		cl.Start(ctx)
	}
	cache := kube.NewCache(cl.Client(), demo.Namespace)
	cache.Start(ctx)
	if err := cache.WaitForSync(ctx); err != nil {
		t.Fatal(err)
	}
	return &Demo{Cluster: cl, Cache: cache, Deps: common.Deps{
		Ctx: ctx, Reader: cache.Reader(), Actions: workload.NewExecutor(cl.Client(), false, nil, nil),
	}}
}

// WaitForChange waits (up to a minute, a bound for a broken test rather
// than a timing assertion) for the cache to report changes.
func (d *Demo) WaitForChange(t testing.TB) common.ClusterChangedMsg {
	t.Helper()
	ctx, cancel := context.WithTimeout(d.Deps.Ctx, time.Minute)
	defer cancel()
	ch, err := d.Cache.Changes().Wait(ctx)
	if err != nil {
		t.Fatalf("no change in the cache: %v", err)
	}
	return common.ClusterChangedMsg{Changes: ch, At: time.Now()}
}

var words = []string{"checkout", "cart", "payments", "search", "frontend", "api", "worker", "cache",
	"redis", "kafka", "orders", "inventory", "shipping", "auth", "gateway", "ledger", "billing",
	"notify", "email", "recs"}

// Rows makes n synthetic workloads, sorted like the real ones.
func Rows(n int, allNamespaces bool) []workload.Row {
	rows := make([]workload.Row, n)
	phases := []rollout.Phase{rollout.PhaseComplete, rollout.PhaseComplete, rollout.PhaseComplete,
		rollout.PhaseProgressing, rollout.PhaseFailed, rollout.PhasePaused}
	kinds := rollout.Kinds
	for i := range rows {
		// A deterministic spread of names (no randomness: goldens).
		a, b := words[(i*7)%len(words)], words[(i*13+3)%len(words)]
		ns := fmt.Sprintf("team-%02d", (i*31)%97)
		name := fmt.Sprintf("%s-%s-%d", a, b, i)
		r := workload.Row{
			Ref:       rollout.Ref{Kind: kinds[i%3], Namespace: ns, Name: name},
			Namespace: ns, Name: name, Key: name,
			Ready: int32(i % 4), Desired: 3, Revision: int64(i%9 + 1),
			LastRollout: Now().Add(-time.Duration(i*97%100000) * time.Second),
			Phase:       phases[i%len(phases)],
			Message:     "synthetic",
		}
		if allNamespaces {
			r.Key = ns + "/" + name
		}
		rows[i] = r
	}
	workload.Sort(rows)
	workload.PackKeys(rows)
	return rows
}

// Shop is a small, hand-written set of workloads like the demo's.
func Shop() []workload.Row {
	mk := func(kind rollout.Kind, name string, ready, desired int32, rev int64, ago time.Duration, ph rollout.Phase, msg string) workload.Row {
		return workload.Row{Ref: rollout.Ref{Kind: kind, Namespace: "shop", Name: name}, Namespace: "shop", Name: name, Key: name,
			Ready: ready, Desired: desired, Revision: rev, LastRollout: Now().Add(-ago), Phase: ph, Message: msg}
	}
	rows := []workload.Row{
		mk(rollout.Deployment, "catalog", 2, 2, 4, 19*time.Hour, rollout.PhaseComplete, `deployment "catalog" successfully rolled out`),
		mk(rollout.Deployment, "checkout", 3, 4, 6, 4*time.Minute, rollout.PhaseProgressing, "2 out of 4 new replicas have been updated"),
		mk(rollout.Deployment, "frontend", 3, 3, 5, 29*time.Hour, rollout.PhaseComplete, `deployment "frontend" successfully rolled out`),
		mk(rollout.StatefulSet, "ledger", 3, 3, 4, 50*time.Hour, rollout.PhaseComplete, "statefulset rolling update complete 3 pods at revision ledger-7d9"),
		mk(rollout.DaemonSet, "log-agent", 3, 3, 5, 26*time.Hour, rollout.PhaseComplete, `daemon set "log-agent" successfully rolled out`),
		mk(rollout.Deployment, "payments", 1, 3, 6, 12*time.Minute, rollout.PhaseFailed, `deployment "payments" exceeded its progress deadline`),
		mk(rollout.Deployment, "search", 0, 2, 3, 3*time.Hour, rollout.PhasePaused, "paused: 1 out of 2 new replicas have been updated"),
	}
	workload.Sort(rows)
	return rows
}

// Cluster is a fake workload.Cluster: tests push snapshots and changes.
type Cluster struct {
	mu      sync.Mutex
	rows    []workload.Row
	health  workload.Health
	changes chan []workload.Change
	reader  rollout.Reader
}

// NewCluster returns a synced, connected fake with rows.
func NewCluster(rows []workload.Row, reader rollout.Reader) *Cluster {
	return &Cluster{rows: rows, reader: reader, changes: make(chan []workload.Change, 16),
		health: workload.Health{Connected: true, Synced: true, LastEvent: Now()}}
}

// Set replaces the rows and health.
func (c *Cluster) Set(rows []workload.Row, h workload.Health) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rows, c.health = rows, h
}

// Change makes the next WaitForChange return.
func (c *Cluster) Change(ch ...workload.Change) { c.changes <- ch }

func (c *Cluster) Workloads() []workload.Row {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.rows
}

func (c *Cluster) WaitForChange(ctx context.Context) ([]workload.Change, error) {
	select {
	case ch := <-c.changes:
		return ch, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *Cluster) Health() workload.Health {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.health
}

func (c *Cluster) Reader() rollout.Reader { return c.reader }

// ASCII downsamples a view to the ASCII profile: colours go, bold,
// underline and reverse stay. Goldens hold this form.
func ASCII(s string) string {
	var b bytes.Buffer
	w := &colorprofile.Writer{Forward: &b, Profile: colorprofile.ASCII}
	_, _ = w.Write([]byte(s))
	return b.String()
}

// Golden compares got with testdata/NAME.golden, rewriting it with -update.
func Golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *Update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from the golden file (run with -update after checking):\n--- got ---\n%s\n--- want ---\n%s", name, got, want)
	}
}

// Drive sends msgs to a screen and feeds back what its commands produce,
// as the root would, until nothing is left. Messages meant for the root
// (push, back, action brackets) are returned instead; an
// ActionFinishedMsg's result is fed back to the screen, as the root does.
func Drive(t testing.TB, s common.Screen, msgs ...tea.Msg) (common.Screen, []tea.Msg) {
	t.Helper()
	var forRoot []tea.Msg
	queue := append([]tea.Msg(nil), msgs...)
	for i := 0; len(queue) > 0; i++ {
		if i > 1000 {
			t.Fatal("message loop does not settle")
		}
		msg := queue[0]
		queue = queue[1:]
		switch m := msg.(type) {
		case common.PushScreenMsg, common.BackMsg, common.ActionStartedMsg:
			forRoot = append(forRoot, msg)
			continue
		case common.ActionFinishedMsg:
			forRoot = append(forRoot, msg)
			if m.Then != nil {
				queue = append(queue, m.Then)
			}
			continue
		}
		var cmd tea.Cmd
		s, cmd = s.Update(msg)
		queue = append(queue, Run(cmd)...)
	}
	return s, forRoot
}
