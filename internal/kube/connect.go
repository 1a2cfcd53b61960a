package kube

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// DefaultRequestTimeout bounds every single API request. kubectl waits
// forever by default (0); during an incident an unreachable API server must
// produce an error in seconds, not a hung terminal.
const DefaultRequestTimeout = "10s"

// NewConfigFlags returns kubectl's connection flags (k8s.io/cli-runtime)
// trimmed to the ones mayday documents: --kubeconfig, --context, --cluster,
// --user, -n/--namespace, --as, --as-group and --request-timeout. A nil
// field is neither registered as a flag nor applied as an override.
func NewConfigFlags() *genericclioptions.ConfigFlags {
	// Not persistent: a persistent loader is cached on first use and
	// would ignore flag values set after it.
	f := genericclioptions.NewConfigFlags(false)
	*f.Timeout = DefaultRequestTimeout
	f.CacheDir = nil // mayday does no discovery, so it keeps no discovery cache
	f.CertFile, f.KeyFile, f.CAFile, f.BearerToken = nil, nil, nil, nil
	f.APIServer, f.TLSServerName, f.Insecure, f.ProxyURL = nil, nil, nil, nil
	f.ImpersonateUID, f.ImpersonateUserExtra, f.DisableCompression = nil, nil, nil
	return f
}

// ParseRequestTimeout parses a --request-timeout value as kubectl does: a
// Go duration ("10s", "1m") or a bare number of seconds; 0 means no limit.
func ParseRequestTimeout(s string) (time.Duration, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("invalid --request-timeout %q: must not be negative", s)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid --request-timeout %q: use a duration such as 10s or 1m (0 = no limit)", s)
	}
	return d, nil
}

// Connection is a configured client for one cluster and namespace.
type Connection struct {
	// Config is nil for the in-process demo cluster.
	Config *rest.Config
	// Client makes ordinary requests, each bounded by the request timeout.
	Client kubernetes.Interface
	// WatchClient makes long-running watches: the request timeout is an
	// HTTP client timeout that would cut every watch after 10 s.
	WatchClient kubernetes.Interface
	Namespace   string
	Context     string
	Server      string
	Timeout     time.Duration
}

// ConfigError says the kubeconfig cannot be used. Its message names the
// file or context and what to do.
type ConfigError struct{ Msg string }

func (e *ConfigError) Error() string { return e.Msg }

// Connect builds clients from kubectl-style flags. It makes no request:
// a wrong server address shows up on the first read, bounded by the
// request timeout.
func Connect(f *genericclioptions.ConfigFlags, userAgent string) (*Connection, error) {
	loader := f.ToRawKubeConfigLoader()
	raw, err := loader.RawConfig()
	if err != nil {
		return nil, configError(f, err)
	}
	contextName := raw.CurrentContext
	if f.Context != nil && *f.Context != "" {
		contextName = *f.Context
	}
	if contextName != "" {
		if _, ok := raw.Contexts[contextName]; !ok {
			return nil, &ConfigError{Msg: unknownContext(contextName, raw.Contexts, kubeconfigSource(f))}
		}
	} else if len(raw.Contexts) == 0 && os.Getenv("KUBERNETES_SERVICE_HOST") == "" {
		// Without this check client-go silently falls back to
		// http://localhost:8080 and the user sees "connection refused".
		return nil, &ConfigError{Msg: fmt.Sprintf("no Kubernetes configuration found (%s has no contexts): point --kubeconfig or KUBECONFIG at a kubeconfig, or try mayday --demo", kubeconfigSource(f))}
	}
	cfg, err := loader.ClientConfig()
	if err != nil {
		return nil, configError(f, err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, configError(f, err)
	}
	if f.WrapConfigFn != nil {
		cfg = f.WrapConfigFn(cfg)
	}
	cfg.UserAgent = userAgent
	// One undo makes about five requests at once; client-go's default
	// rate limit (5/s, burst 10) must never be what an engineer waits on.
	cfg.QPS, cfg.Burst = 50, 100
	// Protobuf halves decoding time of ReplicaSet lists; JSON stays
	// acceptable for servers or types without protobuf.
	cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	cfg.ContentType = "application/vnd.kubernetes.protobuf"

	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("cannot use context %q: %v", contextName, err)}
	}
	wcfg := rest.CopyConfig(cfg)
	wcfg.Timeout = 0
	watchClient, err := kubernetes.NewForConfig(wcfg)
	if err != nil {
		return nil, &ConfigError{Msg: fmt.Sprintf("cannot use context %q: %v", contextName, err)}
	}
	return &Connection{
		Config: cfg, Client: client, WatchClient: watchClient,
		Namespace: ns, Context: contextName, Server: cfg.Host, Timeout: cfg.Timeout,
	}, nil
}

// kubeconfigSource names where the kubeconfig came from, for messages.
func kubeconfigSource(f *genericclioptions.ConfigFlags) string {
	if f.KubeConfig != nil && *f.KubeConfig != "" {
		return "--kubeconfig " + *f.KubeConfig
	}
	if env := os.Getenv(clientcmd.RecommendedConfigPathEnvVar); env != "" {
		return "KUBECONFIG=" + env
	}
	return clientcmd.RecommendedHomeFile
}

func unknownContext(name string, contexts map[string]*clientcmdapi.Context, source string) string {
	names := make([]string, 0, len(contexts))
	for n := range contexts {
		names = append(names, n)
	}
	slices.Sort(names)
	msg := fmt.Sprintf("context %q not found in %s", name, source)
	switch {
	case len(names) == 0:
		msg += " (it has no contexts)"
	case len(names) <= 8:
		msg += "; available contexts: " + strings.Join(names, ", ")
	default:
		msg += fmt.Sprintf("; it has %d contexts (list them with kubectl config get-contexts)", len(names))
	}
	return msg + "; pass one with --context"
}

func configError(f *genericclioptions.ConfigFlags, err error) error {
	msg := oneLine(err.Error())
	switch {
	case errors.Is(err, os.ErrNotExist):
		return &ConfigError{Msg: fmt.Sprintf("kubeconfig not found (%s): check the path, or try mayday --demo", msg)}
	case strings.Contains(msg, "error loading config file"), strings.Contains(msg, "yaml:"), strings.Contains(msg, "json:"):
		return &ConfigError{Msg: fmt.Sprintf("malformed kubeconfig (%s): fix the file or point --kubeconfig at another one", msg)}
	case clientcmd.IsConfigurationInvalid(err) || clientcmd.IsEmptyConfig(err):
		return &ConfigError{Msg: fmt.Sprintf("invalid kubeconfig %s: %s", kubeconfigSource(f), msg)}
	}
	return &ConfigError{Msg: fmt.Sprintf("cannot load kubeconfig %s: %s", kubeconfigSource(f), msg)}
}

func oneLine(s string) string {
	s = strings.TrimSpace(s)
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	fields := strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' })
	for i := range fields {
		fields[i] = strings.TrimSpace(fields[i])
	}
	return strings.Join(slices.DeleteFunc(fields, func(s string) bool { return s == "" }), "; ")
}
