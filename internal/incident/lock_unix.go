//go:build unix

package incident

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive lock on the journal, so that processes
// appending to one incident take turns: each reads what the others wrote
// and numbers its record after theirs.
func lockFile(f *os.File) error {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err != syscall.EINTR {
			return err
		}
	}
}

func unlockFile(f *os.File) error {
	return syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
}
