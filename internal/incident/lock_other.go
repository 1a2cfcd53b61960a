//go:build !unix

package incident

import "os"

// Without flock, appends still go out as one write each (O_APPEND);
// sequence numbers may repeat when two processes write at once.
func lockFile(*os.File) error   { return nil }
func unlockFile(*os.File) error { return nil }
