package incident

import (
	"errors"
	"fmt"
)

// NotFoundError is an incident id or journal file that does not exist.
type NotFoundError struct {
	ID, Dir, Path string
}

func (e *NotFoundError) Error() string {
	if e.ID != "" {
		return fmt.Sprintf("no incident %s in %s; list incidents with 'mayday incident ls' (or pass --journal-dir)", e.ID, e.Dir)
	}
	return fmt.Sprintf("no journal file %s", e.Path)
}

// ErrClosed refuses actions on a closed incident.
var ErrClosed = errors.New("the incident is closed; open a new one")

// errJournalClosed is an append after Close.
var errJournalClosed = errors.New("the journal was closed")

// errTaken is an incident-opened record for a journal that has one.
var errTaken = errors.New("the journal already has an incident")
