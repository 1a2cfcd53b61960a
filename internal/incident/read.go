package incident

import (
	"bytes"
	"errors"
	"fmt"
	"os"
)

// Warning is a problem in a journal that was read past: a line torn by a
// crash, a damaged record. Everything else still reads back.
type Warning struct {
	Line int
	Msg  string
}

func (w Warning) String() string { return fmt.Sprintf("line %d: %s", w.Line, w.Msg) }

// Read reads the journal file at path: the incident as its records leave
// it, the records in file order, and warnings about lines that were
// skipped. The error is for a file that cannot be read at all, is not a
// journal, or is from a newer mayday.
func Read(path string) (Incident, []Record, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return Incident{}, nil, nil, &NotFoundError{Path: path}
		}
		return Incident{}, nil, nil, fmt.Errorf("reading journal: %w", err)
	}
	inc, recs, warns, err := Parse(data)
	if err != nil {
		return inc, recs, warns, fmt.Errorf("journal %s: %w", path, err)
	}
	inc.Path = path
	return inc, recs, warns, nil
}

// Parse reads a journal's contents (see Read).
func Parse(data []byte) (Incident, []Record, []Warning, error) {
	var p parser
	p.feed(data)
	if p.err != nil {
		return Incident{}, nil, p.warnings, p.err
	}
	if len(p.records) == 0 || p.records[0].Type != TypeOpened {
		if len(data) == 0 {
			return Incident{}, nil, p.warnings, errors.New("the journal is empty (mayday stopped while creating it)")
		}
		return Incident{}, nil, p.warnings, errors.New("not an incident journal: it does not start with an incident-opened record")
	}
	return p.inc, p.records, p.warnings, nil
}

// parser reads journal bytes into records. The writer keeps one and feeds
// it what other processes appended, so both agree on every line.
type parser struct {
	line     int
	records  []Record
	warnings []Warning
	lastSeq  int64
	inc      Incident
	// err stops reading: a record from a newer mayday.
	err error
}

// feed reads data, which starts at a line boundary. A last line without
// a line end is a write cut short by a crash: kept when it is a whole
// record (only the line end is missing), else ignored with a warning.
func (p *parser) feed(data []byte) {
	for len(data) > 0 && p.err == nil {
		line, rest, complete := bytes.Cut(data, []byte{'\n'})
		data = rest
		p.line++
		if len(bytes.TrimSpace(line)) == 0 {
			continue
		}
		p.parseLine(line, complete)
	}
}

func (p *parser) parseLine(line []byte, complete bool) {
	env, err := decodeEnvelope(line)
	var newer *NewerFormatError
	switch {
	case errors.As(err, &newer):
		p.err = fmt.Errorf("line %d: %w", p.line, err)
		return
	case err != nil && !complete:
		p.warn("incomplete last record (a write cut short by a crash); ignored")
		return
	case err != nil:
		p.warn("not a journal record (%s); skipped", shortErr(err))
		return
	}
	r, err := env.record()
	if err != nil {
		p.warn("%v", err)
	}
	if len(p.records) > 0 && r.Seq <= p.lastSeq {
		p.warn("sequence number %d after %d", r.Seq, p.lastSeq)
	}
	if r.Type == TypeOpened && len(p.records) > 0 {
		p.warn("a second incident-opened record; the first one stands")
	}
	p.lastSeq = max(p.lastSeq, r.Seq)
	p.records = append(p.records, r)
	p.inc.apply(r)
}

func (p *parser) warn(format string, args ...any) {
	p.warnings = append(p.warnings, Warning{Line: p.line, Msg: fmt.Sprintf(format, args...)})
}

// shortErr keeps JSON errors short: they may quote the damaged bytes.
func shortErr(err error) string {
	s := err.Error()
	if len(s) > 80 {
		s = s[:80] + "…"
	}
	return s
}
