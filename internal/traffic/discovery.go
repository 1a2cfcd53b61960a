package traffic

import (
	"fmt"
	"slices"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/discovery"
)

// API is a traffic API a cluster may serve through a CRD.
type API struct {
	// Name is how people call it ("Gateway API").
	Name     string `json:"name"`
	Group    string `json:"group"`
	Version  string `json:"version"`
	Resource string `json:"resource"`
	Kind     string `json:"kind"`
	// Status is set when the resource has a status subresource.
	Status bool `json:"status"`
	// versions are the versions mayday understands, most preferred first.
	versions []string
}

// GVR is the API's group, version and resource.
func (a API) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: a.Group, Version: a.Version, Resource: a.Resource}
}

// APIVersion is "group/version".
func (a API) APIVersion() string { return a.Group + "/" + a.Version }

// The traffic APIs mayday knows.
func HTTPRoutes() API {
	return API{Name: "Gateway API", Group: "gateway.networking.k8s.io", Resource: "httproutes", Kind: "HTTPRoute", versions: []string{"v1", "v1beta1"}}
}

func VirtualServices() API {
	return API{Name: "Istio", Group: "networking.istio.io", Resource: "virtualservices", Kind: "VirtualService", versions: []string{"v1", "v1beta1", "v1alpha3"}}
}

func Rollouts() API {
	return API{Name: "Argo Rollouts", Group: "argoproj.io", Resource: "rollouts", Kind: "Rollout", versions: []string{"v1alpha1"}}
}

// KnownAPIs lists them in display order.
func KnownAPIs() []API { return []API{HTTPRoutes(), VirtualServices(), Rollouts()} }

// NotInstalledError says the cluster does not serve an API.
type NotInstalledError struct{ API API }

func (e *NotInstalledError) Error() string {
	return fmt.Sprintf("%s is not installed in this cluster (it serves no %s in %s)", e.API.Name, e.API.Resource, e.API.Group)
}

// Lookup asks discovery which version of want the cluster serves: the
// most preferred of the versions mayday understands. The group list is
// one request; the version's resource list another.
func Lookup(d discovery.DiscoveryInterface, want API) (API, error) {
	groups, err := d.ServerGroups()
	if err != nil {
		return want, fmt.Errorf("discovering the cluster's APIs: %w", err)
	}
	var served []string
	for _, g := range groups.Groups {
		if g.Name != want.Group {
			continue
		}
		for _, v := range g.Versions {
			served = append(served, v.Version)
		}
	}
	for _, v := range want.versions {
		if !slices.Contains(served, v) {
			continue
		}
		list, err := d.ServerResourcesForGroupVersion(want.Group + "/" + v)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			return want, fmt.Errorf("discovering %s/%s: %w", want.Group, v, err)
		}
		found := want
		found.Version = v
		ok := false
		for _, r := range list.APIResources {
			switch r.Name {
			case want.Resource:
				ok = true
			case want.Resource + "/status":
				found.Status = true
			}
		}
		if ok {
			return found, nil
		}
	}
	return want, &NotInstalledError{API: want}
}
