package version

import (
	"runtime/debug"
	"testing"
)

func TestLinkerValuesWin(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v0.0.9"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "fromvcs"}}}, true
	}
	got := resolve("1.2.3", "abc", "2026-01-02T03:04:05Z", read)
	if got.Version != "1.2.3" || got.Commit != "abc" || got.Date != "2026-01-02T03:04:05Z" {
		t.Errorf("resolve = %+v", got)
	}
	if got.GoVersion == "" || got.Platform == "" {
		t.Errorf("missing Go version or platform: %+v", got)
	}
}

func TestBuildInfoFallback(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "v0.4.0"}, Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "deadbeef"}, {Key: "vcs.time", Value: "2026-02-03T04:05:06Z"},
			{Key: "vcs.modified", Value: "true"},
		}}, true
	}
	got := resolve("", "", "", read)
	if got.Version != "v0.4.0" || got.Commit != "deadbeef-dirty" || got.Date != "2026-02-03T04:05:06Z" {
		t.Errorf("resolve = %+v", got)
	}
}

func TestDevelBuild(t *testing.T) {
	read := func() (*debug.BuildInfo, bool) {
		return &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, true
	}
	got := resolve("", "", "", read)
	if got.Version != "dev" || got.Commit != "unknown" || got.Date != "unknown" {
		t.Errorf("resolve = %+v", got)
	}
	got = resolve("", "", "", func() (*debug.BuildInfo, bool) { return nil, false })
	if got.Version != "dev" {
		t.Errorf("no build info: %+v", got)
	}
}
