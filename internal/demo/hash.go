package demo

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/utils/dump"
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
// in a ControllerRevision: {"spec":{"template":{...,"$patch":"replace"}}},
// keys sorted by a round trip through a map. It must stay byte-identical to
// rollout's templatePatch, which decides the current revision by comparing
// bytes.
func templatePatch(obj any) ([]byte, error) {
	data, err := json.Marshal(obj)
	if err != nil {
		return nil, err
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	spec, _ := raw["spec"].(map[string]any)
	template, _ := spec["template"].(map[string]any)
	if template == nil {
		return nil, errors.New("object has no spec.template")
	}
	template["$patch"] = "replace"
	return json.Marshal(map[string]any{"spec": map[string]any{"template": template}})
}
