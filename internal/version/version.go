// Package version says which build of mayday is running.
//
// Release builds set the variables with the linker:
//
//	go build -ldflags "-X github.com/mayday-tui/mayday/internal/version.Version=1.2.3 \
//	  -X github.com/mayday-tui/mayday/internal/version.Commit=abc123 \
//	  -X github.com/mayday-tui/mayday/internal/version.Date=2026-01-02T03:04:05Z"
//
// Builds without them (go install, go build) fall back to what the Go
// toolchain recorded in the binary (module version, VCS revision and time).
package version

import (
	"runtime"
	"runtime/debug"
)

// These are package variables only because `-ldflags -X` can set nothing
// else; nothing in mayday assigns them at run time. Read them through Get.
var (
	Version = ""
	Commit  = ""
	Date    = ""
)

// Info describes the running binary. Its JSON form is what
// `mayday version -o json` prints; the field names are stable.
type Info struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	Date      string `json:"date"`
	GoVersion string `json:"goVersion"`
	Platform  string `json:"platform"`
}

// Get returns the build information, preferring the linker-set values.
func Get() Info {
	return resolve(Version, Commit, Date, debug.ReadBuildInfo)
}

// resolve is Get with its inputs explicit, for tests.
func resolve(version, commit, date string, read func() (*debug.BuildInfo, bool)) Info {
	info := Info{
		Version: version, Commit: commit, Date: date,
		GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH,
	}
	if bi, ok := read(); ok && bi != nil {
		if info.GoVersion == "" {
			info.GoVersion = bi.GoVersion
		}
		if info.Version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			info.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				if info.Commit == "" {
					info.Commit = s.Value
				}
			case "vcs.time":
				if info.Date == "" {
					info.Date = s.Value
				}
			case "vcs.modified":
				if s.Value == "true" && info.Commit != "" && commit == "" {
					info.Commit += "-dirty"
				}
			}
		}
	}
	if info.Version == "" {
		info.Version = "dev"
	}
	if info.Commit == "" {
		info.Commit = "unknown"
	}
	if info.Date == "" {
		info.Date = "unknown"
	}
	return info
}
