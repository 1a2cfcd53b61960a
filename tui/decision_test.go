package tui

import (
	"context"
	"errors"
	"testing"

	"github.com/mayday-tui/mayday/internal/action"
	"github.com/mayday-tui/mayday/internal/decide"
	"github.com/mayday-tui/mayday/internal/demo"
	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/tui/internal/tuitest"
	"github.com/mayday-tui/mayday/tui/screens/wizard"
)

// The wizard gets the policy and its problem as given, evidence from the
// console's cache, and actions that refuse in read-only mode.
func TestDecisionIsWired(t *testing.T) {
	d := tuitest.NewDemo(t, demo.Options{Now: tuitest.Now}, false)
	cluster := tuitest.NewCluster(tuitest.Shop(), d.Deps.Reader)
	policyErr := errors.New("decide.yaml:3: questions.x: unknown node")
	_, opts := NewModel(context.Background(), Deps{Client: d.Cluster.Client(), ReadOnly: true,
		Policy: decide.Default(), PolicyErr: policyErr}, cluster)
	dec := opts.Decision
	if dec == nil || dec.Gather == nil || dec.Ops == nil || dec.PolicyErr != policyErr || dec.Policy == nil {
		t.Fatalf("decision %+v", dec)
	}
	ref := rollout.Ref{Kind: rollout.Deployment, Namespace: "shop", Name: "checkout"}
	got, err := dec.Gather(context.Background(), ref)
	if err != nil || got.Evidence.CurrentRevision != 6 {
		t.Fatalf("gather: %v %+v", err, got)
	}
	if _, err := dec.Ops.PreparePause(context.Background(), action.PauseRequest{Ref: ref, Pause: true}); !errors.Is(err, action.ErrReadOnly) {
		t.Errorf("read-only pause: %v", err)
	}
	if _, ok := dec.Ops.(*wizard.Ops); !ok {
		t.Errorf("ops %T", dec.Ops)
	}

	// Without a reader there is nothing to gather from; without a client
	// nothing to act with.
	_, opts = NewModel(context.Background(), Deps{}, tuitest.NewCluster(nil, nil))
	if opts.Decision == nil || opts.Decision.Gather != nil || opts.Decision.Ops != nil {
		t.Errorf("no cluster: %+v", opts.Decision)
	}
}
