package demo

import (
	"crypto/sha256"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The shop: what is deployed and how it got there. Every table here is
// read-only; seed.go turns it into objects exactly as the controllers
// would have left them.

const (
	day  = 24 * time.Hour
	repo = "registry.example.com/shop/"
)

// step is one change of a workload's history: a deploy (edit applied to
// the previous template) or, for Deployments, a rollback to a revision.
type step struct {
	ago    time.Duration
	cause  string
	edit   func(*corev1.PodTemplateSpec)
	undoTo int64
	// actor, incident and reason attribute a rollback made with mayday.
	actor, incident, reason string
}

type deploymentSpec struct {
	namespace, name string
	replicas        int32
	labels          map[string]string
	template        corev1.PodTemplateSpec
	steps           []step
	// inProgress: the last step's rollout is under way (and stuck when its
	// image crashes).
	inProgress bool
	// applied: managed with `kubectl apply` (last-applied-configuration).
	applied bool
}

type statefulSetSpec struct {
	name     string
	replicas int32
	template corev1.PodTemplateSpec
	steps    []step
}

type daemonSetSpec struct {
	name        string
	annotations map[string]string
	template    corev1.PodTemplateSpec
	steps       []step
}

type nodeSpec struct {
	name, zone, ip string
}

var shopNodes = []nodeSpec{
	{"worker-a-7k2x", "eu-west-1a", "10.0.1.23"},
	{"worker-b-3m9p", "eu-west-1b", "10.0.2.41"},
	{"worker-c-5q4z", "eu-west-1c", "10.0.3.17"},
}

// pinned is an image reference pinned by a (made-up, stable) digest.
func pinned(repository, tag string) string {
	return fmt.Sprintf("%s:%s@sha256:%x", repository, tag, sha256.Sum256([]byte(repository+":"+tag)))
}

// badImages crash on start; the value is the log tail kubelet reports as
// the termination message.
var badImages = map[string]string{
	repo + "checkout:2.15.0": "panic: payments client v2: PAYMENTS_V2_ENDPOINT is not set\n\n" +
		"goroutine 1 [running]:\nmain.mustPaymentsClient(...)\n\t/src/cmd/checkout/main.go:88 +0x1c4",
	pinned(repo+"payments", "4.3.0"): "FATAL tokenization: handshake with vault.shop.svc:8200 timed out after 3s",
}

func image(c string, img string) func(*corev1.PodTemplateSpec) {
	return func(t *corev1.PodTemplateSpec) {
		for i := range t.Spec.InitContainers {
			if t.Spec.InitContainers[i].Name == c {
				t.Spec.InitContainers[i].Image = img
			}
		}
		for i := range t.Spec.Containers {
			if t.Spec.Containers[i].Name == c {
				t.Spec.Containers[i].Image = img
			}
		}
	}
}

func env(c, name, value string) func(*corev1.PodTemplateSpec) {
	return func(t *corev1.PodTemplateSpec) {
		for i := range t.Spec.Containers {
			if t.Spec.Containers[i].Name != c {
				continue
			}
			ct := &t.Spec.Containers[i]
			for j := range ct.Env {
				if ct.Env[j].Name == name {
					ct.Env[j].Value = value
					return
				}
			}
			ct.Env = append(ct.Env, corev1.EnvVar{Name: name, Value: value})
		}
	}
}

func resources(c, cpuRequest, memRequest, memLimit string) func(*corev1.PodTemplateSpec) {
	return func(t *corev1.PodTemplateSpec) {
		for i := range t.Spec.Containers {
			if t.Spec.Containers[i].Name == c {
				t.Spec.Containers[i].Resources = requirements(cpuRequest, memRequest, memLimit)
			}
		}
	}
}

func edits(fs ...func(*corev1.PodTemplateSpec)) func(*corev1.PodTemplateSpec) {
	return func(t *corev1.PodTemplateSpec) {
		for _, f := range fs {
			f(t)
		}
	}
}

func requirements(cpuRequest, memRequest, memLimit string) corev1.ResourceRequirements {
	return corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpuRequest), corev1.ResourceMemory: resource.MustParse(memRequest)},
		Limits:   corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memLimit)},
	}
}

// container is a container as the API server stores it (defaults filled).
func container(name, img string, port int32, envs ...string) corev1.Container {
	c := corev1.Container{
		Name: name, Image: img, ImagePullPolicy: corev1.PullIfNotPresent,
		TerminationMessagePath:   corev1.TerminationMessagePathDefault,
		TerminationMessagePolicy: corev1.TerminationMessageFallbackToLogsOnError,
	}
	for i := 0; i+1 < len(envs); i += 2 {
		c.Env = append(c.Env, corev1.EnvVar{Name: envs[i], Value: envs[i+1]})
	}
	if port > 0 {
		c.Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: port, Protocol: corev1.ProtocolTCP}}
		c.ReadinessProbe = &corev1.Probe{
			ProbeHandler:   corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz/ready", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
			TimeoutSeconds: 1, PeriodSeconds: 5, SuccessThreshold: 1, FailureThreshold: 3,
		}
		c.LivenessProbe = &corev1.Probe{
			ProbeHandler:        corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz/live", Port: intstr.FromString("http"), Scheme: corev1.URISchemeHTTP}},
			InitialDelaySeconds: 10, TimeoutSeconds: 1, PeriodSeconds: 10, SuccessThreshold: 1, FailureThreshold: 3,
		}
	}
	return c
}

// podTemplate is a shop pod template with the API server's defaults.
func podTemplate(app, component string, containers ...corev1.Container) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: objectMeta(map[string]string{
			"app.kubernetes.io/name":      app,
			"app.kubernetes.io/part-of":   "shop",
			"app.kubernetes.io/component": component,
		}, map[string]string{"prometheus.io/scrape": "true", "prometheus.io/port": "9090"}),
		Spec: corev1.PodSpec{
			Containers:                    containers,
			RestartPolicy:                 corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: new(int64(30)),
			DNSPolicy:                     corev1.DNSClusterFirst,
			ServiceAccountName:            app,
			DeprecatedServiceAccount:      app,
			SecurityContext:               &corev1.PodSecurityContext{RunAsNonRoot: new(true), RunAsUser: new(int64(10001))},
			SchedulerName:                 corev1.DefaultSchedulerName,
		},
	}
}

func shopDeployments() []deploymentSpec {
	checkout := container("checkout", repo+"checkout:2.11.0", 8080,
		"PAYMENTS_URL", "http://payments.shop.svc:8080", "PAYMENTS_TIMEOUT", "2s", "CATALOG_URL", "http://catalog.shop.svc:8080", "LOG_LEVEL", "info")
	checkout.Resources = requirements("250m", "512Mi", "512Mi")
	envoy := container("envoy", "registry.example.com/platform/envoy:1.30.4", 0)
	envoy.Resources = requirements("50m", "64Mi", "128Mi")
	envoy.Ports = []corev1.ContainerPort{{Name: "proxy", ContainerPort: 15001, Protocol: corev1.ProtocolTCP}}

	frontend := container("frontend", repo+"frontend:3.8.0", 8080, "NODE_ENV", "production", "API_BASE_URL", "http://checkout.shop.svc:8080")
	frontend.Resources = requirements("100m", "128Mi", "256Mi")

	payRepo := repo + "payments"
	payments := container("payments", pinned(payRepo, "4.0.3"), 8080, "VAULT_ADDR", "https://vault.shop.svc:8200", "LEDGER_URL", "http://ledger.shop.svc:8080")
	payments.Resources = requirements("200m", "256Mi", "384Mi")
	migrate := container("migrate", pinned(payRepo, "4.0.3"), 0)
	migrate.Command = []string{"/payments", "migrate", "--wait"}
	paymentsTemplate := podTemplate("payments", "api", payments)
	paymentsTemplate.Spec.InitContainers = []corev1.Container{migrate}
	payImage := func(tag string) func(*corev1.PodTemplateSpec) {
		return edits(image("payments", pinned(payRepo, tag)), image("migrate", pinned(payRepo, tag)))
	}

	catalog := container("catalog", repo+"catalog:1.20.0", 8080, "SEARCH_URL", "http://search.shop.svc:9200", "CACHE_TTL", "5m")
	catalog.Resources = requirements("200m", "256Mi", "512Mi")

	coredns := container("coredns", "registry.k8s.io/coredns/coredns:v1.11.3", 0)
	coredns.Args = []string{"-conf", "/etc/coredns/Corefile"}
	coredns.Resources = requirements("100m", "70Mi", "170Mi")
	coredns.Ports = []corev1.ContainerPort{{Name: "dns", ContainerPort: 53, Protocol: corev1.ProtocolUDP}, {Name: "dns-tcp", ContainerPort: 53, Protocol: corev1.ProtocolTCP}}
	corednsTemplate := corev1.PodTemplateSpec{
		ObjectMeta: objectMeta(map[string]string{"k8s-app": "kube-dns"}, nil),
		Spec: corev1.PodSpec{Containers: []corev1.Container{coredns}, RestartPolicy: corev1.RestartPolicyAlways,
			TerminationGracePeriodSeconds: new(int64(30)), DNSPolicy: corev1.DNSDefault, ServiceAccountName: "coredns",
			DeprecatedServiceAccount: "coredns", SchedulerName: corev1.DefaultSchedulerName, PriorityClassName: "system-cluster-critical",
			SecurityContext: &corev1.PodSecurityContext{}},
	}

	return []deploymentSpec{
		{namespace: Namespace, name: "frontend", replicas: 3, template: podTemplate("frontend", "web", frontend), steps: []step{
			{ago: 13*day + 4*time.Hour, cause: "deploy frontend 3.8.0 (CHG-2187)", edit: image("frontend", repo+"frontend:3.8.0")},
			{ago: 10*day + 2*time.Hour, cause: "deploy frontend 3.9.0: new product page layout (CHG-2236)", edit: image("frontend", repo+"frontend:3.9.0")},
			{ago: 8*day + 5*time.Hour, cause: "hotfix frontend 3.9.1: cart badge count off by one (CHG-2262)", edit: image("frontend", repo+"frontend:3.9.1")},
			{ago: 5*day + 3*time.Hour, cause: "deploy frontend 3.10.0: product recommendations (CHG-2301)",
				edit: edits(image("frontend", repo+"frontend:3.10.0"), env("frontend", "FEATURE_RECOMMENDATIONS", "true"))},
			{ago: 1*day + 6*time.Hour, cause: "deploy frontend 3.11.2 (CHG-2389)", edit: image("frontend", repo+"frontend:3.11.2")},
		}},
		{namespace: Namespace, name: "checkout", replicas: 4, template: podTemplate("checkout", "api", checkout, envoy), inProgress: true, steps: []step{
			{ago: 14*day + 1*time.Hour, cause: "deploy checkout 2.11.0 (CHG-2201)", edit: image("checkout", repo+"checkout:2.11.0")},
			{ago: 11*day + 3*time.Hour, cause: "deploy checkout 2.12.0: saved carts (CHG-2254)", edit: image("checkout", repo+"checkout:2.12.0")},
			{ago: 9*day + 22*time.Hour, cause: "hotfix checkout 2.12.1: raise payments client timeout to 3s (INC-38)",
				edit: edits(image("checkout", repo+"checkout:2.12.1"), env("checkout", "PAYMENTS_TIMEOUT", "3s"))},
			{ago: 6*day + 4*time.Hour, cause: "deploy checkout 2.13.0 with envoy 1.31.2, memory limit 768Mi (CHG-2319)",
				edit: edits(image("checkout", repo+"checkout:2.13.0"), image("envoy", "registry.example.com/platform/envoy:1.31.2"),
					resources("checkout", "250m", "512Mi", "768Mi"))},
			{ago: 2*day + 23*time.Hour, cause: "deploy checkout 2.14.0: address autocomplete (CHG-2371)", edit: image("checkout", repo+"checkout:2.14.0")},
			{ago: 4*time.Minute + 10*time.Second, cause: "deploy checkout 2.15.0: payments client v2 (CHG-2417)",
				edit: edits(image("checkout", repo+"checkout:2.15.0"), env("checkout", "PAYMENTS_CLIENT", "v2"))},
		}},
		{namespace: Namespace, name: "payments", replicas: 3, template: paymentsTemplate, steps: []step{
			{ago: 13*day + 20*time.Hour, cause: "deploy payments 4.0.3 (CHG-2195)", edit: payImage("4.0.3")},
			{ago: 10*day + 5*time.Hour, cause: "deploy payments 4.1.0: 3-D Secure 2 (CHG-2240)", edit: payImage("4.1.0")},
			{ago: 8*day + 1*time.Hour, cause: "deploy payments 4.1.1 (CHG-2275)", edit: payImage("4.1.1")},
			{ago: 5*day + 2*time.Hour, cause: "deploy payments 4.2.0: idempotency keys (CHG-2310)", edit: payImage("4.2.0")},
			{ago: 4*day + 3*time.Hour, cause: "deploy payments 4.3.0: card tokenization service (CHG-2330)", edit: payImage("4.3.0")},
			{ago: 4*day + 2*time.Hour + 38*time.Minute, undoTo: 4, actor: "maria.kovacs@shop.example", incident: "INC-39",
				reason: "INC-39 card payments failing: tokenization handshake timeouts"},
		}},
		{namespace: Namespace, name: "catalog", replicas: 2, applied: true, template: podTemplate("catalog", "api", catalog), steps: []step{
			{ago: 12*day + 7*time.Hour, cause: "deploy catalog 1.20.0 (CHG-2215)", edit: image("catalog", repo+"catalog:1.20.0")},
			{ago: 8*day + 6*time.Hour, cause: "deploy catalog 1.21.0: search facets (CHG-2270)", edit: image("catalog", repo+"catalog:1.21.0")},
			{ago: 6*day + 1*time.Hour, cause: "deploy catalog 1.21.1 (CHG-2296)", edit: image("catalog", repo+"catalog:1.21.1")},
			{ago: 20 * time.Hour, cause: "deploy catalog 1.22.0, cpu request 300m (CHG-2398)",
				edit: edits(image("catalog", repo+"catalog:1.22.0"), resources("catalog", "300m", "256Mi", "512Mi"))},
		}},
		{namespace: "kube-system", name: "coredns", replicas: 2, labels: map[string]string{"k8s-app": "kube-dns"}, template: corednsTemplate, steps: []step{
			{ago: 29*day + 3*time.Hour, edit: image("coredns", "registry.k8s.io/coredns/coredns:v1.11.3")},
			{ago: 9*day + 30*time.Minute, edit: image("coredns", "registry.k8s.io/coredns/coredns:v1.12.1")},
		}},
	}
}

func shopStatefulSets() []statefulSetSpec {
	ledger := container("ledger", repo+"ledger:1.7.0", 8080, "LEDGER_DATA_DIR", "/var/lib/ledger", "LEDGER_REPLICAS", "3")
	ledger.Resources = requirements("500m", "1Gi", "2Gi")
	ledger.VolumeMounts = []corev1.VolumeMount{{Name: "data", MountPath: "/var/lib/ledger"}}
	return []statefulSetSpec{
		{name: "ledger", replicas: 3, template: podTemplate("ledger", "database", ledger), steps: []step{
			{ago: 14*day + 2*time.Hour, cause: "deploy ledger 1.7.0 (CHG-2199)", edit: image("ledger", repo+"ledger:1.7.0")},
			{ago: 10*day + 1*time.Hour, cause: "deploy ledger 1.8.0: double-entry audit trail (CHG-2244)", edit: image("ledger", repo+"ledger:1.8.0")},
			{ago: 7*day + 3*time.Hour, cause: "deploy ledger 1.8.2: fsync on commit (CHG-2284)", edit: image("ledger", repo+"ledger:1.8.2")},
			{ago: 2*day + 5*time.Hour, cause: "deploy ledger 1.9.0 (CHG-2366)", edit: image("ledger", repo+"ledger:1.9.0")},
		}},
	}
}

func shopDaemonSets() []daemonSetSpec {
	fluent := container("log-agent", "cr.fluentbit.io/fluent/fluent-bit:3.0.7", 2020, "LOG_LEVEL", "info", "OUTPUT_HOST", "logs.platform.svc")
	fluent.Resources = requirements("50m", "64Mi", "128Mi")
	fluent.VolumeMounts = []corev1.VolumeMount{{Name: "varlog", MountPath: "/var/log", ReadOnly: true}}
	t := podTemplate("log-agent", "logging", fluent)
	t.Spec.Volumes = []corev1.Volume{{Name: "varlog", VolumeSource: corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: "/var/log", Type: new(corev1.HostPathType(""))}}}}
	t.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
	t.Spec.SecurityContext = &corev1.PodSecurityContext{}
	return []daemonSetSpec{
		{name: "log-agent", template: t,
			annotations: map[string]string{"argocd.argoproj.io/tracking-id": "platform-logging:apps/DaemonSet:shop/log-agent"},
			steps: []step{
				{ago: 14*day + 6*time.Hour, cause: "platform-logging: fluent-bit 3.0.7", edit: image("log-agent", "cr.fluentbit.io/fluent/fluent-bit:3.0.7")},
				{ago: 11*day + 2*time.Hour, cause: "platform-logging: fluent-bit 3.1.4", edit: image("log-agent", "cr.fluentbit.io/fluent/fluent-bit:3.1.4")},
				{ago: 7*day + 8*time.Hour, cause: "platform-logging: fluent-bit 3.1.9", edit: image("log-agent", "cr.fluentbit.io/fluent/fluent-bit:3.1.9")},
				{ago: 5*day + 1*time.Hour, cause: "platform-logging: log level warn to cut log volume", edit: env("log-agent", "LOG_LEVEL", "warn")},
				{ago: 1*day + 2*time.Hour, cause: "platform-logging: fluent-bit 3.2.2", edit: image("log-agent", "cr.fluentbit.io/fluent/fluent-bit:3.2.2")},
			}},
	}
}
