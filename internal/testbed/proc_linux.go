package testbed

import "syscall"

// childProcAttr makes the kernel kill a process the tests start (a shop, a
// private Prometheus) when the test binary dies without its cleanups (a
// panic, go test's timeout), so none outlives the run.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
