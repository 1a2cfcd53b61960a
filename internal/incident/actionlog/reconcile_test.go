package actionlog

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/rollout"
)

func TestReconcileReadsTheClusterBack(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name       string
		rv         string // the intent's guard
		annotation string // the workload's incident annotation now
		want       incident.OutcomeStatus
	}{
		{"unchanged since the intent", "10", "", incident.OutcomeFailed},
		{"changed with this incident's mark", "9", "INC-1", incident.OutcomeSucceeded},
		{"changed by someone else", "9", "", incident.OutcomeUnknown},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := cluster() // web at resourceVersion 10
			if tc.annotation != "" {
				d, _ := c.AppsV1().Deployments("prod").Get(ctx, "web", metav1.GetOptions{})
				d.Annotations[rollout.IncidentAnnotation] = tc.annotation
				if _, err := c.AppsV1().Deployments("prod").Update(ctx, d, metav1.UpdateOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			j, err := incident.Open(t.TempDir(), incident.Opened{ID: "INC-1", Title: "web"}, incident.Options{Actor: "alice"})
			if err != nil {
				t.Fatal(err)
			}
			defer j.Close()
			if _, err := j.Intent(ctx, incident.Action{Action: "undo", Workload: incident.Workload{Namespace: "prod", Name: "deployment/web"}, ResourceVersion: tc.rv}); err != nil {
				t.Fatal(err)
			}
			got := Reconcile(ctx, c, j, "bob")
			if len(got) != 1 || got[0].Status != tc.want || got[0].Evidence == "" {
				t.Fatalf("reconciled %+v, want %s", got, tc.want)
			}
			pending := len(incident.Pending(j.Records()))
			if (tc.want == incident.OutcomeUnknown) != (pending == 1) {
				t.Fatalf("%d intents still pending after %s", pending, tc.want)
			}
		})
	}
}
