package demo

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"

	"github.com/mayday-tui/mayday/internal/rollout"
)

// podTemplateHash is the deployment and daemon set controllers'
// controller.ComputeHash: FNV-32a over the spew dump of the template, plus
// the collision count, safe-encoded. The demo's hashes are therefore the
// ones a real cluster would compute for the same template.
func podTemplateHash(template *corev1.PodTemplateSpec, collisionCount *int32) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%v", dump.ForHash(*template))
	if collisionCount != nil {
		b := make([]byte, 8)
		binary.LittleEndian.PutUint32(b, uint32(*collisionCount))
		h.Write(b)
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// controllerRevisionHash is history.HashControllerRevision for a revision
// whose Data is raw JSON: FNV-32 (not 32a) over the data plus the probe.
func controllerRevisionHash(data []byte, probe *int32) string {
	h := fnv.New32()
	h.Write(data)
	if probe != nil {
		h.Write([]byte(strconv.FormatInt(int64(*probe), 10)))
	}
	return rand.SafeEncodeString(fmt.Sprint(h.Sum32()))
}

// templatePatch is the data the StatefulSet and DaemonSet controllers store
// in a ControllerRevision; history decides the current revision by comparing
// these bytes, so the demo uses rollout's own encoding.
func templatePatch(obj any) ([]byte, error) { return rollout.TemplatePatch(obj) }
