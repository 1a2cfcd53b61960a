package traffic

import (
	"fmt"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Backend is one weighted destination of a route rule: a backendRef of a
// Gateway API HTTPRoute, or a route destination of an Istio VirtualService.
type Backend struct {
	// Name is the backendRef's name or the destination's host.
	Name string `json:"name"`
	// Subset is the Istio destination's subset.
	Subset string `json:"subset,omitempty"`
	// Kind is the backendRef's kind when it is not a Service.
	Kind string `json:"kind,omitempty"`
	// Namespace is the backendRef's namespace when it names one.
	Namespace string `json:"namespace,omitempty"`
	Weight    int64  `json:"weight"`
	// WeightSet is false when the weight is the API's default.
	WeightSet bool `json:"weightSet"`
	// Path is the JSON pointer of the weight in the object.
	Path string `json:"path"`
}

// Label names the backend for people: "web-canary", "web (subset canary)".
func (b Backend) Label() string {
	s := b.Name
	if b.Subset != "" {
		s += " (subset " + b.Subset + ")"
	}
	if b.Kind != "" && b.Kind != "Service" {
		s = b.Kind + " " + s
	}
	return s
}

// Matches reports whether name designates b: its name, the first label of
// its host ("web" for web.prod.svc.cluster.local), or its subset.
func (b Backend) Matches(name string) bool {
	host, _, _ := strings.Cut(b.Name, ".")
	return name != "" && (b.Name == name || host == name || b.Subset == name || b.Name+"/"+b.Subset == name)
}

// LooksCanary reports whether the backend is a canary by its name or subset.
func (b Backend) LooksCanary() bool {
	return strings.Contains(strings.ToLower(b.Name+" "+b.Subset), "canary")
}

// Rule is one route rule with its backends.
type Rule struct {
	Index    int       `json:"index"`
	Backends []Backend `json:"backends"`
}

// GatewayDefaultWeight is an HTTPRoute backendRef's weight when unset.
const GatewayDefaultWeight = 1

// HTTPRouteRules reads the backendRefs of each rule of an HTTPRoute.
func HTTPRouteRules(u *unstructured.Unstructured) ([]Rule, error) {
	rules, _, err := unstructured.NestedSlice(u.Object, "spec", "rules")
	if err != nil {
		return nil, fmt.Errorf("httproute/%s: spec.rules: %w", u.GetName(), err)
	}
	out := make([]Rule, 0, len(rules))
	for i, r := range rules {
		rm, _ := r.(map[string]any)
		refs, _, _ := unstructured.NestedSlice(rm, "backendRefs")
		rule := Rule{Index: i}
		for j, ref := range refs {
			m, _ := ref.(map[string]any)
			b := Backend{Path: fmt.Sprintf("/spec/rules/%d/backendRefs/%d/weight", i, j), Weight: GatewayDefaultWeight}
			b.Name, _, _ = unstructured.NestedString(m, "name")
			b.Namespace, _, _ = unstructured.NestedString(m, "namespace")
			b.Kind, _, _ = unstructured.NestedString(m, "kind")
			if w, ok := number(m["weight"]); ok {
				b.Weight, b.WeightSet = w, true
			}
			rule.Backends = append(rule.Backends, b)
		}
		out = append(out, rule)
	}
	return out, nil
}

// VirtualServiceRoutes reads the destinations of each HTTP route of an
// Istio VirtualService.
func VirtualServiceRoutes(u *unstructured.Unstructured) ([]Rule, error) {
	routes, _, err := unstructured.NestedSlice(u.Object, "spec", "http")
	if err != nil {
		return nil, fmt.Errorf("virtualservice/%s: spec.http: %w", u.GetName(), err)
	}
	out := make([]Rule, 0, len(routes))
	for i, r := range routes {
		rm, _ := r.(map[string]any)
		dests, _, _ := unstructured.NestedSlice(rm, "route")
		rule := Rule{Index: i}
		for j, d := range dests {
			m, _ := d.(map[string]any)
			b := Backend{Path: fmt.Sprintf("/spec/http/%d/route/%d/weight", i, j)}
			b.Name, _, _ = unstructured.NestedString(m, "destination", "host")
			b.Subset, _, _ = unstructured.NestedString(m, "destination", "subset")
			if w, ok := number(m["weight"]); ok {
				b.Weight, b.WeightSet = w, true
			} else if len(dests) == 1 {
				b.Weight = 100 // Istio's default for a single destination
			}
			rule.Backends = append(rule.Backends, b)
		}
		out = append(out, rule)
	}
	return out, nil
}

// number reads a JSON number as decoded by the dynamic client.
func number(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case float64:
		return int64(n), true
	}
	return 0, false
}

// WeightChange is one weight the rollback sets.
type WeightChange struct {
	Rule    int    `json:"rule"`
	Backend string `json:"backend"`
	From    int64  `json:"from"`
	// FromSet is false when From is the API's default.
	FromSet bool   `json:"fromSet"`
	To      int64  `json:"to"`
	Path    string `json:"path"`
}

// WeightPlan is what a canary rollback does to a route's weights.
type WeightPlan struct {
	// Stable and Canary are the backends' labels, in order of appearance.
	Stable  []string       `json:"stable"`
	Canary  []string       `json:"canary"`
	Changes []WeightChange `json:"changes"`
	// Untouched says which weighted rules are left alone, and why.
	Untouched []string `json:"untouched"`
	// StableBackends are the backends that receive all traffic afterwards.
	StableBackends []Backend `json:"-"`
}

// PlanWeights sends every rule's traffic to its stable backend: weight
// 100 for it, 0 for its canaries. stable names the stable backend; ""
// means the backends whose name or subset says "canary" are the canaries.
// Rules with a single backend carry no split and are not touched.
func PlanWeights(object string, rules []Rule, stable string) (*WeightPlan, error) {
	var weighted []Rule
	var single []string
	for _, r := range rules {
		switch {
		case len(r.Backends) >= 2:
			weighted = append(weighted, r)
		case len(r.Backends) == 1:
			single = append(single, r.Backends[0].Label())
		}
	}
	if len(weighted) == 0 {
		reason := "it has no rule with backends"
		if len(single) > 0 {
			reason = "no rule splits traffic by weight; each sends everything to one backend (" + strings.Join(uniq(single), ", ") + ")"
		}
		return nil, &NoCanaryError{Object: object, Reason: reason}
	}
	wp := &WeightPlan{Stable: []string{}, Canary: []string{}, Changes: []WeightChange{}, Untouched: []string{}}
	for _, r := range weighted {
		var stables, canaries []Backend
		for _, b := range r.Backends {
			isCanary := b.LooksCanary()
			if stable != "" {
				isCanary = !b.Matches(stable)
			}
			if isCanary {
				canaries = append(canaries, b)
			} else {
				stables = append(stables, b)
			}
		}
		switch {
		case len(canaries) == 0 && stable == "":
			return nil, &NoCanaryError{Object: object, Reason: fmt.Sprintf("rule %d splits traffic between %s, and none is named as a canary; pass --stable NAME to say which backend keeps the traffic",
				r.Index+1, describeBackends(r.Backends))}
		case len(canaries) == 0:
			wp.Untouched = append(wp.Untouched, fmt.Sprintf("rule %d: every backend is %s", r.Index+1, stable))
			continue
		case len(stables) == 0 && stable != "":
			wp.Untouched = append(wp.Untouched, fmt.Sprintf("rule %d: %s is not among its backends (%s)", r.Index+1, stable, describeBackends(r.Backends)))
			continue
		case len(stables) == 0:
			return nil, &NoCanaryError{Object: object, Reason: fmt.Sprintf("rule %d sends only to canaries (%s): there is no stable backend to send the traffic to",
				r.Index+1, describeBackends(r.Backends))}
		case len(stables) > 1:
			return nil, fmt.Errorf("%s: rule %d has several backends that are not canaries (%s): pass --stable NAME to say which one keeps the traffic",
				object, r.Index+1, describeBackends(stables))
		}
		wp.Stable = appendUniq(wp.Stable, stables[0].Label())
		wp.StableBackends = append(wp.StableBackends, stables[0])
		if c := change(r.Index, stables[0], 100); c != nil {
			wp.Changes = append(wp.Changes, *c)
		}
		for _, b := range canaries {
			wp.Canary = appendUniq(wp.Canary, b.Label())
			if c := change(r.Index, b, 0); c != nil {
				wp.Changes = append(wp.Changes, *c)
			}
		}
	}
	if len(wp.Stable) == 0 {
		return nil, &NoCanaryError{Object: object, Reason: fmt.Sprintf("no weighted rule sends traffic to %s (%s)", stable, strings.Join(wp.Untouched, "; "))}
	}
	return wp, nil
}

func change(rule int, b Backend, to int64) *WeightChange {
	if b.WeightSet && b.Weight == to {
		return nil
	}
	return &WeightChange{Rule: rule, Backend: b.Label(), From: b.Weight, FromSet: b.WeightSet, To: to, Path: b.Path}
}

func describeBackends(bs []Backend) string {
	parts := make([]string, len(bs))
	for i, b := range bs {
		parts[i] = fmt.Sprintf("%s weight %d", b.Label(), b.Weight)
	}
	return strings.Join(parts, ", ")
}

func appendUniq(s []string, v string) []string {
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func uniq(s []string) []string {
	var out []string
	for _, v := range s {
		out = appendUniq(out, v)
	}
	return out
}
