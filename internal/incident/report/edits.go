package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/mayday-tui/mayday/internal/atomicfile"
)

// Edits are the engineer's text for the report's free-text sections. An
// empty section shows the draft (or its prompts).
type Edits struct {
	Summary        string    `json:"summary,omitempty"`
	RootCause      string    `json:"rootCause,omitempty"`
	LessonsLearned string    `json:"lessonsLearned,omitempty"`
	ActionItems    string    `json:"actionItems,omitempty"`
	Updated        time.Time `json:"updated,omitzero"`
	By             string    `json:"by,omitempty"`
}

// Sections are the editable sections' names.
func Sections() []string { return []string{"summary", "root-cause", "lessons-learned", "action-items"} }

// Set replaces one section's text.
func (e *Edits) Set(section, text string) error {
	switch section {
	case "summary":
		e.Summary = text
	case "root-cause":
		e.RootCause = text
	case "lessons-learned":
		e.LessonsLearned = text
	case "action-items":
		e.ActionItems = text
	default:
		return fmt.Errorf("%q is not an editable section (%s)", section, strings.Join(Sections(), ", "))
	}
	return nil
}

// EditsPath is where the edits of the journal at journal are kept: next
// to it, so copying both carries the report to another machine.
func EditsPath(journal string) string {
	return strings.TrimSuffix(journal, ".jsonl") + ".report.json"
}

// LoadEdits reads saved edits; none saved yet is no error.
func LoadEdits(path string) (Edits, error) {
	var e Edits
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return e, fmt.Errorf("reading the report's edits: %w", err)
	}
	if err := json.Unmarshal(data, &e); err != nil {
		return Edits{}, fmt.Errorf("the report's edits %s are damaged (%v); the draft is shown without them", path, err)
	}
	return e, nil
}

// SaveEdits writes the edits atomically: a crash leaves the old version
// or the new one, never a mix.
func SaveEdits(path string, e Edits) error {
	data, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(path, append(data, '\n'), 0o600)
}
