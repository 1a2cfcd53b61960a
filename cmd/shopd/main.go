// Command shopd is the test bed's demo shop: a small HTTP service
// instrumented with client_golang (http_requests_total and
// http_request_duration_seconds, served on /metrics) whose error ratio and
// latency depend on its --version, and, as "shopd load", a load generator
// for it. Behind a real Prometheus it lets the integration tests watch a
// workload's health turn when a bad version rolls out and back when it is
// rolled back.
//
//	shopd [--listen 127.0.0.1:0] [--version good|bad]
//	shopd load --target URL [--rps 50] [--duration 0]
//
// The server prints its URL (http://127.0.0.1:PORT) as the first line on
// standard output, so a caller that asked for port 0 learns the port.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
)

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "load" {
		return runLoad(ctx, args[1:], stdout, stderr)
	}
	return runServe(ctx, args, stdout, stderr)
}

// fail prints an error the way every shopd failure looks and returns code.
func fail(stderr io.Writer, code int, format string, args ...any) int {
	fmt.Fprintf(stderr, "shopd: "+format+"\n", args...)
	return code
}
