package rollout

import (
	"encoding/json"
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/types"
)

// SetPatchAnnotation sets one annotation in a planned patch: the
// "/metadata/annotations" operation of a JSON patch, or
// metadata.annotations of a merge patch.
func SetPatchAnnotation(pt types.PatchType, patch []byte, key, value string) ([]byte, error) {
	switch pt {
	case types.JSONPatchType:
		var ops []map[string]any
		if err := json.Unmarshal(patch, &ops); err != nil {
			return nil, err
		}
		for _, op := range ops {
			if op["path"] != "/metadata/annotations" {
				continue
			}
			ann, _ := op["value"].(map[string]any)
			if ann == nil {
				ann = map[string]any{}
			}
			ann[key] = value
			op["value"] = ann
			return json.Marshal(ops)
		}
		ops = append(ops, map[string]any{"op": "add", "path": "/metadata/annotations/" + escapePointer(key), "value": value})
		return json.Marshal(ops)
	case types.MergePatchType, types.StrategicMergePatchType:
		var m map[string]any
		if err := json.Unmarshal(patch, &m); err != nil {
			return nil, err
		}
		meta, _ := m["metadata"].(map[string]any)
		if meta == nil {
			meta = map[string]any{}
		}
		ann, _ := meta["annotations"].(map[string]any)
		if ann == nil {
			ann = map[string]any{}
		}
		ann[key] = value
		meta["annotations"] = ann
		m["metadata"] = meta
		return json.Marshal(m)
	}
	return nil, fmt.Errorf("unsupported patch type %q", pt)
}

// escapePointer escapes a JSON pointer token (RFC 6901).
func escapePointer(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '~':
			out = append(out, '~', '0')
		case '/':
			out = append(out, '~', '1')
		default:
			out = append(out, s[i])
		}
	}
	return string(out)
}

// WithIncident is the plan attributed to incident id, its patch included:
// the incident is often known only once the journal has recorded the
// intent, just before the write.
func (p *Plan) WithIncident(id string) (*Plan, error) {
	patch, changed, err := IncidentPatch(p.Attribution, p.PatchType, p.Patch, id)
	if err != nil || !changed {
		return p, err
	}
	np := *p
	np.Attribution.Incident, np.Patch = id, patch
	if p.Annotations != nil {
		np.Annotations = maps.Clone(p.Annotations)
		np.Annotations[IncidentAnnotation] = id
	}
	return &np, nil
}

// WithIncident is the set-image plan attributed to incident id.
func (p *ImagePlan) WithIncident(id string) (*ImagePlan, error) {
	patch, changed, err := IncidentPatch(p.Attribution, p.PatchType, p.Patch, id)
	if err != nil || !changed {
		return p, err
	}
	np := *p
	np.Attribution.Incident, np.Patch = id, patch
	return &np, nil
}

// IncidentPatch is patch with the incident annotation set to id; changed
// is false when there is nothing to do (no id, or already attributed).
func IncidentPatch(a Attribution, pt types.PatchType, patch []byte, id string) ([]byte, bool, error) {
	if id == "" || a.Incident == id {
		return patch, false, nil
	}
	out, err := SetPatchAnnotation(pt, patch, IncidentAnnotation, id)
	if err != nil {
		return nil, false, fmt.Errorf("adding the incident to the patch: %w", err)
	}
	return out, true, nil
}
