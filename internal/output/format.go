// Package output prints mayday's results: tables and text for people,
// JSON and YAML documents for scripts.
//
// The JSON/YAML documents are an interface: their field names and meanings
// are stable and documented on the *Doc types (and in docs/cli.md). Fields
// are always present, lists are [] rather than null, times are RFC 3339 in
// UTC. New fields may be added; existing ones are not renamed or removed.
//
// Every string that comes from the cluster passes through textsafe before
// it reaches a terminal. JSON keeps the exact values, with the control
// characters JSON leaves raw (C1, bidirectional overrides) written as
// \u escapes, which any JSON parser turns back into the same string.
package output

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"sigs.k8s.io/yaml"

	"github.com/mayday-tui/mayday/internal/textsafe"
)

// Format is an output format chosen with -o.
type Format string

const (
	Table Format = "table"
	JSON  Format = "json"
	YAML  Format = "yaml"
)

// ParseFormat accepts table, json and yaml ("" means table).
func ParseFormat(s string) (Format, error) {
	switch Format(strings.ToLower(s)) {
	case "", Table:
		return Table, nil
	case JSON:
		return JSON, nil
	case YAML, "yml":
		return YAML, nil
	}
	return "", fmt.Errorf("unknown output format %q: use -o table, json or yaml", s)
}

// Machine reports whether the format is for scripts.
func (f Format) Machine() bool { return f == JSON || f == YAML }

// WriteDoc writes v as one JSON document (indented, newline-terminated) or
// one YAML document.
func WriteDoc(w io.Writer, f Format, v any) error {
	switch f {
	case YAML:
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = w.Write(data)
		return err
	default:
		data, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(escapeJSON(data), '\n'))
		return err
	}
}

// WriteLine writes v as a single line of JSON (a stream of documents, one
// per line, as `status --watch -o json` prints) or as a YAML document
// starting with "---".
func WriteLine(w io.Writer, f Format, v any) error {
	if f == YAML {
		data, err := yaml.Marshal(v)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "---\n%s", data)
		return err
	}
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = w.Write(append(escapeJSON(data), '\n'))
	return err
}

// escapeJSON rewrites the characters encoding/json leaves raw but a
// terminal may act on as \uXXXX escapes. They can only occur inside JSON
// strings (the syntax is ASCII), so the document's meaning is unchanged.
func escapeJSON(data []byte) []byte {
	clean := true
	for _, b := range data {
		if b >= 0x80 {
			clean = false
			break
		}
	}
	if clean {
		return data
	}
	var out bytes.Buffer
	out.Grow(len(data))
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r != utf8.RuneError && r >= 0x80 && textsafe.NeedsEscape(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
		} else {
			out.Write(data[:size])
		}
		data = data[size:]
	}
	return out.Bytes()
}
