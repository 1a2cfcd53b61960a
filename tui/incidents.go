package tui

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/analysis"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/incident/report"
	"github.com/mayday-tui/mayday/internal/rollout"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/incident/actionlog"
	"github.com/mayday-tui/mayday/tui/common"
)

// journal implements common.Incidents over the keeper that journals the
// console's actions.
type journal struct {
	keeper *actionlog.Keeper
	actor  string
	// pending is read once at start: intents of earlier sessions whose
	// outcome is unknown.
	pending []incident.PendingIntent

	mu     sync.Mutex
	looked map[string]lookedUp

	// gatherer analyses a workload once its rollback is verified (nil:
	// no analysis); ctx bounds it, wg tracks those running.
	gatherer *analysis.Gatherer
	ctx      context.Context
	wg       sync.WaitGroup
	// client reads objects back to reconcile unknown outcomes (nil: it
	// cannot).
	client kubernetes.Interface
}

// lookedUp caches a journal read by Lookup until its file changes.
type lookedUp struct {
	size, mtime int64
	inc         incident.Incident
	ok          bool
}

var _ common.Incidents = (*journal)(nil)

func newJournal(ctx context.Context, k *actionlog.Keeper, actor string, g *analysis.Gatherer, client kubernetes.Interface) *journal {
	j := &journal{keeper: k, actor: actor, looked: map[string]lookedUp{}, gatherer: g, ctx: ctx, client: client}
	j.pending, _ = incident.PendingIn(k.Dir)
	return j
}

func (j *journal) Current() (incident.Incident, bool) {
	jn := j.keeper.Journal()
	if jn == nil {
		return incident.Incident{}, false
	}
	inc := jn.Incident()
	inc.Path = jn.File()
	return inc, true
}

func (j *journal) Open(o incident.Opened) (incident.Incident, error) {
	if o.Owner == "" {
		o.Owner = j.actor
	}
	jn, err := j.keeper.Open(o)
	if err != nil {
		return incident.Incident{}, err
	}
	inc := jn.Incident()
	inc.Path = jn.File()
	return inc, nil
}

func (j *journal) Note(text string) error {
	jn := j.keeper.Journal()
	if jn == nil {
		return errors.New("no incident yet: open one with n")
	}
	_, err := jn.Note(j.actor, text)
	return err
}

func (j *journal) Actor() string { return j.actor }

func (j *journal) Dir() string { return j.keeper.Dir }

func (j *journal) Pending() []incident.PendingIntent {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.pending
}

// Reconcile reads back the objects of the pending intents, incident by
// incident, and journals what the cluster shows.
func (j *journal) Reconcile(ctx context.Context) ([]string, error) {
	if j.client == nil {
		return nil, errors.New("this console cannot read the cluster back")
	}
	var lines []string
	seen := map[string]bool{}
	for _, p := range j.Pending() {
		if seen[p.Path] {
			continue
		}
		seen[p.Path] = true
		jn, err := incident.LoadFile(p.Path, j.keeper.Opts)
		if err != nil {
			lines = append(lines, p.Incident+": "+err.Error())
			continue
		}
		for _, rc := range actionlog.Reconcile(ctx, j.client, jn, j.actor) {
			lines = append(lines, fmt.Sprintf("%s #%d %s", p.Incident, rc.Intent.Seq, rc.Status))
		}
		_ = jn.Close()
	}
	pending, err := incident.PendingIn(j.keeper.Dir)
	if err != nil {
		return lines, err
	}
	j.mu.Lock()
	j.pending = pending
	j.mu.Unlock()
	return lines, nil
}

// Lookup reads the incident's journal in Dir, again only when the file
// changed: the finder and history ask on every refresh.
func (j *journal) Lookup(id string) (incident.Incident, bool) {
	if incident.CheckID(id) != nil {
		return incident.Incident{}, false
	}
	path := incident.Path(j.keeper.Dir, id)
	st, err := os.Stat(path)
	if err != nil {
		return incident.Incident{}, false
	}
	j.mu.Lock()
	c, hit := j.looked[id]
	j.mu.Unlock()
	if hit && c.size == st.Size() && c.mtime == st.ModTime().UnixNano() {
		return c.inc, c.ok
	}
	inc, _, _, err := incident.Read(path)
	inc.Path = path
	c = lookedUp{size: st.Size(), mtime: st.ModTime().UnixNano(), inc: inc, ok: err == nil}
	j.mu.Lock()
	j.looked[id] = c
	j.mu.Unlock()
	return c.inc, c.ok
}

// decided journals the decision an action was confirmed from, with the
// verdict it rested on (held until the action's write opens or joins the
// incident).
func (j *journal) decided(ref rollout.Ref, ev *decide.Evidence, rec decide.Recommendation) {
	w := incident.Workload{Namespace: ref.Namespace, Name: ref.String()}
	if ev != nil {
		for _, r := range actionlog.Signals(w, ev.Health, ev.CurrentRevision) {
			j.keeper.Append(r)
		}
	}
	j.keeper.Append(actionlog.Decision(w, rec, ""))
}

// verified journals the end of a verification and, when the workload
// was verified, gathers the post-rollback analysis in the background
// (Wait waits for it at exit).
func (j *journal) verified(ref rollout.Ref, v *action.Verification) {
	if j.keeper.Journal() == nil {
		return
	}
	w := incident.Workload{Namespace: ref.Namespace, Name: ref.String()}
	if v.RolloutComplete {
		j.keeper.Append(incident.Record{Type: incident.TypeProgress, Payload: incident.Progress{Workload: w,
			Milestone: incident.MilestoneRolloutComplete, Message: "rollout complete: " + v.Summary()}})
	}
	if !v.Verified() || j.gatherer == nil {
		return
	}
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		ctx, cancel := context.WithTimeout(j.ctx, analysisTimeout)
		defer cancel()
		a, errs := j.gatherer.Gather(ctx, analysis.Request{Ref: ref, Recovered: time.Now()})
		r, err := report.Record(w, a, errs)
		if err != nil {
			return
		}
		j.keeper.Append(r)
	}()
}

// analysisTimeout bounds the analysis of one workload.
const analysisTimeout = 30 * time.Second

// wait waits for the analyses still running, at most d.
func (j *journal) wait(d time.Duration) {
	done := make(chan struct{})
	go func() { j.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}
