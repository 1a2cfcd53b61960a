package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	commoncfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"

	"github.com/mayday-tui/mayday/internal/metrics"
	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// Prometheus is where a context's metrics live and how to talk to it (used
// by the health screens and `mayday health`).
type Prometheus struct {
	URL string
	// HTTP is authentication and TLS, as prometheus/common reads them
	// (authorization, basic_auth, tls_config, ...); relative file names
	// are relative to the config file's directory.
	HTTP commoncfg.HTTPClientConfig
	// Timeout bounds each query.
	Timeout time.Duration
	// Refresh is how often the health screens query again.
	Refresh time.Duration
	// ScrapeInterval is Prometheus' scrape interval, which rate() ranges
	// must span several times.
	ScrapeInterval time.Duration
}

// DefaultPrometheus is the settings without a configured Prometheus.
func DefaultPrometheus() Prometheus {
	return Prometheus{
		HTTP:           commoncfg.DefaultHTTPClientConfig,
		Timeout:        metrics.DefaultTimeout,
		Refresh:        metrics.DefaultRefresh,
		ScrapeInterval: metrics.DefaultScrapeInterval,
	}
}

func readPrometheus(doc *yamlfields.Doc, pm yamlfields.Mapping) Prometheus {
	p := DefaultPrometheus()
	pm.Known("url", "http", "timeout", "refresh", "scrapeInterval")
	if u, ok := pm.String("url"); ok {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			pm.Errorf("url", "%q must start with http:// or https://", u)
		} else {
			p.URL = u
		}
	}
	if d, ok := pm.Duration("timeout", 100*time.Millisecond, 5*time.Minute); ok {
		p.Timeout = d
	}
	if d, ok := pm.Duration("refresh", time.Second, 10*time.Minute); ok {
		p.Refresh = d
	}
	if d, ok := pm.Duration("scrapeInterval", time.Second, 10*time.Minute); ok {
		p.ScrapeInterval = d
	}
	if hm, ok := pm.Map("http"); ok {
		if cfg, ok := readHTTP(doc, hm); ok {
			p.HTTP = cfg
		}
	}
	return p
}

// readHTTP decodes prometheus/common's HTTP client configuration, with
// unknown keys, type errors, its own validation and missing files all
// reported at their lines.
func readHTTP(doc *yamlfields.Doc, hm yamlfields.Mapping) (commoncfg.HTTPClientConfig, bool) {
	keysOK := checkKeys(hm, reflect.TypeFor[commoncfg.HTTPClientConfig]())
	var cfg commoncfg.HTTPClientConfig
	if err := hm.Node().Decode(&cfg); err != nil {
		reportDecode(doc, hm, err)
		return cfg, false
	}
	dir := filepath.Dir(doc.File())
	// A missing file is reported but kept: it may appear before the first
	// query (a mounted secret, a token refreshed by another tool).
	checkFiles(hm, dir)
	cfg.SetDirectory(dir)
	return cfg, keysOK
}

var yamlLine = regexp.MustCompile(`^line (\d+): (.*)$`) // compiled once, never changed

// reportDecode places yaml's type errors ("line 7: cannot unmarshal ...")
// at their lines and any other error (prometheus/common's validation) at
// the http mapping.
func reportDecode(doc *yamlfields.Doc, hm yamlfields.Mapping, err error) {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		for _, msg := range te.Errors {
			line := hm.Node().Line
			if m := yamlLine.FindStringSubmatch(msg); m != nil {
				line, _ = strconv.Atoi(m[1])
				msg = m[2]
			}
			doc.Errorf(&yaml.Node{Line: line}, hm.Path(), "%s", msg)
		}
		return
	}
	doc.Errorf(hm.Node(), hm.Path(), "%v", err)
}

// checkKeys reports keys that the YAML tags of t (a struct) do not name,
// recursing into nested structs; it reports whether all were known.
func checkKeys(m yamlfields.Mapping, t reflect.Type) bool {
	fields, open := yamlKeys(t)
	if open {
		return true
	}
	names := make([]string, 0, len(fields))
	for k := range fields {
		names = append(names, k)
	}
	slices.Sort(names)
	m.Known(names...)
	ok := true
	n := m.Node()
	for i := 0; n != nil && i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i].Value, n.Content[i+1]
		ft, known := fields[key]
		if !known {
			ok = false
			continue
		}
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Struct && val.Kind == yaml.MappingNode {
			if sub, isMap := m.Map(key); isMap {
				ok = checkKeys(sub, ft) && ok
			}
		}
	}
	return ok
}

// yamlKeys maps t's YAML keys to their types; open is set when t takes any
// key (an inline map, as for http_headers).
func yamlKeys(t reflect.Type) (fields map[string]reflect.Type, open bool) {
	fields = map[string]reflect.Type{}
	if t.Kind() != reflect.Struct {
		return fields, true
	}
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() {
			continue
		}
		tag := f.Tag.Get("yaml")
		name, opts, _ := strings.Cut(tag, ",")
		if name == "-" {
			continue
		}
		if strings.Contains(opts, "inline") {
			sub, subOpen := yamlKeys(f.Type)
			if subOpen {
				return nil, true
			}
			for k, v := range sub {
				fields[k] = v
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f.Type
	}
	return fields, false
}

// checkFiles reports credential and certificate files that do not exist
// now, rather than only at the first query.
func checkFiles(hm yamlfields.Mapping, dir string) {
	check := func(m yamlfields.Mapping, key string) {
		f, ok := m.String(key)
		if !ok || f == "" {
			return
		}
		if !filepath.IsAbs(f) {
			f = filepath.Join(dir, f)
		}
		if _, err := os.Stat(f); err != nil {
			m.Errorf(key, "cannot read %s: %v", f, pathErr(err))
		}
	}
	check(hm, "bearer_token_file")
	if m, ok := hm.Map("authorization"); ok {
		check(m, "credentials_file")
	}
	if m, ok := hm.Map("basic_auth"); ok {
		check(m, "username_file")
		check(m, "password_file")
	}
	if m, ok := hm.Map("oauth2"); ok {
		check(m, "client_secret_file")
	}
	if m, ok := hm.Map("tls_config"); ok {
		for _, k := range []string{"ca_file", "cert_file", "key_file"} {
			check(m, k)
		}
	}
}

// pathErr drops the path an *os.PathError repeats.
func pathErr(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
