package action

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// patchWorkload sends one patch to a Deployment, StatefulSet or DaemonSet.
func patchWorkload(ctx context.Context, c kubernetes.Interface, ref rollout.Ref, pt types.PatchType, data []byte, opts metav1.PatchOptions) (metav1.Object, error) {
	apps := c.AppsV1()
	switch ref.Kind {
	case rollout.Deployment:
		return apps.Deployments(ref.Namespace).Patch(ctx, ref.Name, pt, data, opts)
	case rollout.StatefulSet:
		return apps.StatefulSets(ref.Namespace).Patch(ctx, ref.Name, pt, data, opts)
	case rollout.DaemonSet:
		return apps.DaemonSets(ref.Namespace).Patch(ctx, ref.Name, pt, data, opts)
	}
	return nil, fmt.Errorf("unsupported kind %q", ref.Kind)
}
