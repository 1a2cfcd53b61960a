package testbed

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestTargetFileIsFileSD(t *testing.T) {
	data, err := targetFile("127.0.0.1:4321", "shop", "web-6f9c8d7b5-x2x7k")
	if err != nil {
		t.Fatal(err)
	}
	var groups []struct {
		Targets []string          `json:"targets"`
		Labels  map[string]string `json:"labels"`
	}
	if err := json.Unmarshal(data, &groups); err != nil {
		t.Fatalf("%s: %v", data, err)
	}
	if len(groups) != 1 || len(groups[0].Targets) != 1 || groups[0].Targets[0] != "127.0.0.1:4321" ||
		groups[0].Labels["namespace"] != "shop" || groups[0].Labels["pod"] != "web-6f9c8d7b5-x2x7k" || len(groups[0].Labels) != 2 {
		t.Errorf("target file %s: want one target with labels namespace and pod", data)
	}
}

func TestShopOptions(t *testing.T) {
	o, err := ShopOptions{Namespace: "shop", Pod: "web-6f9c8d7b5-x2x7k"}.withDefaults()
	if err != nil || o.Version != "good" || o.RPS != 50 {
		t.Errorf("defaults: %+v, %v; want version good at 50 requests/s", o, err)
	}
	for _, c := range []struct {
		o    ShopOptions
		want string
	}{
		{ShopOptions{Pod: "web-1-a"}, `namespace ""`},
		{ShopOptions{Namespace: "Shop", Pod: "web-1-a"}, `namespace "Shop"`},
		{ShopOptions{Namespace: "shop"}, `pod ""`},
		{ShopOptions{Namespace: "shop", Pod: "../../etc/x"}, `pod "../../etc/x"`},
		{ShopOptions{Namespace: "shop", Pod: "web-1-a", Version: "medium"}, `version "medium"`},
		{ShopOptions{Namespace: "shop", Pod: "web-1-a", RPS: -1}, "RPS -1"},
		{ShopOptions{Namespace: "shop", Pod: "web-1-a", RPS: 1e6}, "RPS 1e+06"},
	} {
		if _, err := c.o.withDefaults(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: err = %v, want it to mention %s", c.o, err, c.want)
		}
	}
}

func TestNewerThan(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	bin := filepath.Join(dir, "shopd")
	if err := os.WriteFile(src, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !newerThan(dir, bin) {
		t.Error("missing binary: want a build")
	}
	if err := os.WriteFile(bin, nil, 0o755); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Hour)
	if err := os.Chtimes(src, past, past); err != nil {
		t.Fatal(err)
	}
	if newerThan(dir, bin) {
		t.Error("sources older than the binary: want no build")
	}
	if err := os.Chtimes(src, time.Now().Add(time.Hour), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !newerThan(dir, bin) {
		t.Error("a source newer than the binary: want a build")
	}
}

func TestFirstLineTee(t *testing.T) {
	var log strings.Builder
	first := make(chan string, 1)
	w := &firstLineTee{w: &log, first: first}
	for _, p := range []string{"http://127.0.0.1:", "4321\nmore\n", "and more\n"} {
		if _, err := w.Write([]byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	if got := <-first; got != "http://127.0.0.1:4321" {
		t.Errorf("first line %q", got)
	}
	if log.String() != "http://127.0.0.1:4321\nmore\nand more\n" {
		t.Errorf("log %q: want everything written", log.String())
	}
}

func TestWriteFileAtomicLeavesNoTemporaryFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.json")
	if err := writeFileAtomic(path, []byte("[]")); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 || entries[0].Name() != "a.json" {
		t.Errorf("folder holds %v, want only a.json", entries)
	}
}

func TestLoadReadsPrometheus(t *testing.T) {
	dir := t.TempDir()
	env := "export MAYDAY_TESTBED_KUBECONFIG='/s/admin'\n" +
		"export MAYDAY_TESTBED_VIEWER_KUBECONFIG='/s/viewer'\n" +
		"export MAYDAY_TESTBED_KUBECTL='/c/kubectl'\n" +
		"export MAYDAY_TESTBED_PROMETHEUS_URL='http://127.0.0.1:9090'\n" +
		"export MAYDAY_TESTBED_PROMETHEUS_TARGETS='/s/prometheus/targets'\n" +
		"export MAYDAY_TESTBED_PROMETHEUS_RULES='/s/prometheus/rules'\n" +
		"export MAYDAY_TESTBED_PROMETHEUS_CONFIG='/s/prometheus/prometheus.yml'\n" +
		"export MAYDAY_TESTBED_PROMETHEUS='/c/prometheus'\n" +
		"export MAYDAY_TESTBED_SHOPD='/s/bin/shopd'\n"
	if err := os.WriteFile(filepath.Join(dir, "env"), []byte(env), 0o600); err != nil {
		t.Fatal(err)
	}
	e, err := load(dir, "")
	if err != nil {
		t.Fatal(err)
	}
	if e.PrometheusURL != "http://127.0.0.1:9090" || e.PrometheusTargets != "/s/prometheus/targets" ||
		e.PrometheusRules != "/s/prometheus/rules" || e.PrometheusConfig != "/s/prometheus/prometheus.yml" ||
		e.PrometheusBin != "/c/prometheus" || e.Shopd != "/s/bin/shopd" {
		t.Errorf("loaded %+v", e)
	}
	// A test bed from before Prometheus: incomplete, so Require runs start.sh.
	old := strings.Join(strings.Split(env, "\n")[:3], "\n") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "env"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := load(dir, ""); err == nil {
		t.Error("env without Prometheus: want incomplete")
	}
}
