// Package yamlfields reads small hand-written YAML files (the config and
// the themes) field by field, so that every problem is reported with the
// file, the line and the dotted path of the field, and all problems of a
// file are reported at once instead of the first one only.
package yamlfields

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Doc collects the problems found in one file.
type Doc struct {
	file string
	errs []error
}

// FieldError is one problem: where it is and what is wrong.
type FieldError struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		b.WriteString(":" + strconv.Itoa(e.Line))
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field + ": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Parse reads data as one YAML mapping. An empty document is an empty
// mapping. A syntax error is returned at once, with its line (yaml.v3
// already names it).
func Parse(file string, data []byte) (*Doc, Mapping, error) {
	d := &Doc{file: file}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return d, Mapping{}, fmt.Errorf("%s: %w", file, err)
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return d, Mapping{doc: d, node: &yaml.Node{Kind: yaml.MappingNode}}, nil
	}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		if top.Kind == yaml.ScalarNode && top.Tag == "!!null" {
			return d, Mapping{doc: d, node: &yaml.Node{Kind: yaml.MappingNode}}, nil
		}
		return d, Mapping{}, &FieldError{File: file, Line: top.Line, Msg: "expected a mapping of settings (key: value) at the top level"}
	}
	return d, Mapping{doc: d, node: top}, nil
}

// File is the file name the errors carry.
func (d *Doc) File() string { return d.file }

// Errorf records a problem at a node.
func (d *Doc) Errorf(n *yaml.Node, field, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	d.errs = append(d.errs, &FieldError{File: d.file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// Err joins every recorded problem, in file order.
func (d *Doc) Err() error {
	slices.SortStableFunc(d.errs, func(a, b error) int {
		var fa, fb *FieldError
		if errors.As(a, &fa) && errors.As(b, &fb) {
			return fa.Line - fb.Line
		}
		return 0
	})
	return errors.Join(d.errs...)
}

// Mapping is a YAML mapping at a dotted path.
type Mapping struct {
	doc  *Doc
	node *yaml.Node
	path string
}

// Node is the mapping's node (for positions).
func (m Mapping) Node() *yaml.Node { return m.node }

// Path is the dotted path of the mapping ("" at the top).
func (m Mapping) Path() string { return m.path }

// Field joins the mapping's path and a key.
func (m Mapping) Field(key string) string {
	if m.path == "" {
		return key
	}
	return m.path + "." + key
}

// Entry is one key of a mapping.
type Entry struct {
	Key   string
	KeyN  *yaml.Node
	Value *yaml.Node
}

// Entries lists the keys in file order. Duplicate keys are reported.
func (m Mapping) Entries() []Entry {
	if m.node == nil {
		return nil
	}
	seen := map[string]int{}
	var out []Entry
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		k, v := m.node.Content[i], m.node.Content[i+1]
		if prev, dup := seen[k.Value]; dup {
			m.doc.Errorf(k, m.Field(k.Value), "set twice (first on line %d)", prev)
			continue
		}
		seen[k.Value] = k.Line
		out = append(out, Entry{Key: k.Value, KeyN: k, Value: resolve(v)})
	}
	return out
}

func resolve(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	return n
}

// Known reports keys that are not in allowed, suggesting the closest one.
func (m Mapping) Known(allowed ...string) {
	for _, e := range m.Entries() {
		if !slices.Contains(allowed, e.Key) {
			msg := "unknown setting"
			if s := Closest(e.Key, allowed); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			} else {
				msg += " (known: " + strings.Join(allowed, ", ") + ")"
			}
			m.doc.Errorf(e.KeyN, m.Field(e.Key), "%s", msg)
		}
	}
}

func (m Mapping) get(key string) (*yaml.Node, bool) {
	if m.node == nil {
		return nil, false
	}
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		if m.node.Content[i].Value == key {
			v := resolve(m.node.Content[i+1])
			if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
				return nil, false
			}
			return v, true
		}
	}
	return nil, false
}

// Has reports whether key is set (to something other than null).
func (m Mapping) Has(key string) bool { _, ok := m.get(key); return ok }

// Line is the line of key's value, 0 when absent.
func (m Mapping) Line(key string) int {
	if n, ok := m.get(key); ok {
		return n.Line
	}
	return 0
}

// Map returns the mapping under key; absent gives an empty mapping.
func (m Mapping) Map(key string) (Mapping, bool) {
	n, ok := m.get(key)
	if !ok {
		return Mapping{doc: m.doc, path: m.Field(key)}, false
	}
	if n.Kind != yaml.MappingNode {
		m.doc.Errorf(n, m.Field(key), "expected a mapping (key: value lines), got %s", describe(n))
		return Mapping{doc: m.doc, path: m.Field(key)}, false
	}
	return Mapping{doc: m.doc, node: n, path: m.Field(key)}, true
}

// MapAt turns an entry's value into a mapping.
func (m Mapping) MapAt(e Entry) (Mapping, bool) {
	if e.Value.Kind != yaml.MappingNode {
		m.doc.Errorf(e.Value, m.Field(e.Key), "expected a mapping (key: value lines), got %s", describe(e.Value))
		return Mapping{doc: m.doc, path: m.Field(e.Key)}, false
	}
	return Mapping{doc: m.doc, node: e.Value, path: m.Field(e.Key)}, true
}

// String reads a scalar string. Numbers and booleans written without quotes
// are accepted as their text, since YAML users rarely quote them.
func (m Mapping) String(key string) (string, bool) {
	n, ok := m.get(key)
	if !ok {
		return "", false
	}
	if n.Kind != yaml.ScalarNode {
		m.doc.Errorf(n, m.Field(key), "expected a string, got %s", describe(n))
		return "", false
	}
	return n.Value, true
}

// Bool reads true or false.
func (m Mapping) Bool(key string) (bool, bool) {
	n, ok := m.get(key)
	if !ok {
		return false, false
	}
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		m.doc.Errorf(n, m.Field(key), "expected true or false, got %s", describe(n))
		return false, false
	}
	b, _ := strconv.ParseBool(strings.ToLower(n.Value))
	return b, true
}

// Duration reads a Go duration such as 500ms or 2s, between min and max.
func (m Mapping) Duration(key string, minD, maxD time.Duration) (time.Duration, bool) {
	n, ok := m.get(key)
	if !ok {
		return 0, false
	}
	if n.Kind != yaml.ScalarNode {
		m.doc.Errorf(n, m.Field(key), "expected a duration such as 500ms or 2s, got %s", describe(n))
		return 0, false
	}
	d, err := time.ParseDuration(n.Value)
	if err != nil {
		m.doc.Errorf(n, m.Field(key), "%q is not a duration (write it as 500ms, 2s or 1m)", n.Value)
		return 0, false
	}
	if d < minD || d > maxD {
		m.doc.Errorf(n, m.Field(key), "%s is out of range (%s to %s)", d, minD, maxD)
		return 0, false
	}
	return d, true
}

// StringList reads a list of strings; a single string is a list of one.
func (m Mapping) StringList(key string) ([]string, bool) {
	n, ok := m.get(key)
	if !ok {
		if m.node != nil && m.present(key) {
			return []string{}, true // "key:" with nothing, or null: an empty list
		}
		return nil, false
	}
	return m.stringList(n, m.Field(key))
}

// StringListAt reads an entry's value as a list of strings.
func (m Mapping) StringListAt(e Entry) ([]string, bool) {
	if e.Value.Kind == yaml.ScalarNode && e.Value.Tag == "!!null" {
		return []string{}, true
	}
	return m.stringList(e.Value, m.Field(e.Key))
}

func (m Mapping) present(key string) bool {
	for i := 0; i+1 < len(m.node.Content); i += 2 {
		if m.node.Content[i].Value == key {
			return true
		}
	}
	return false
}

func (m Mapping) stringList(n *yaml.Node, field string) ([]string, bool) {
	switch n.Kind {
	case yaml.ScalarNode:
		return []string{n.Value}, true
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		okAll := true
		for i, c := range n.Content {
			c = resolve(c)
			if c.Kind != yaml.ScalarNode {
				m.doc.Errorf(c, fmt.Sprintf("%s[%d]", field, i), "expected a string, got %s", describe(c))
				okAll = false
				continue
			}
			out = append(out, c.Value)
		}
		return out, okAll
	}
	m.doc.Errorf(n, field, "expected a list of strings, got %s", describe(n))
	return nil, false
}

// Errorf records a problem at key's value (or at the mapping when absent).
func (m Mapping) Errorf(key, format string, args ...any) {
	n, ok := m.get(key)
	if !ok {
		n = m.node
	}
	m.doc.Errorf(n, m.Field(key), format, args...)
}

// ErrorfAt records a problem at an entry.
func (m Mapping) ErrorfAt(e Entry, format string, args ...any) {
	m.doc.Errorf(e.KeyN, m.Field(e.Key), format, args...)
}

func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing"
		case "!!bool":
			return "a boolean (" + n.Value + ")"
		case "!!int", "!!float":
			return "a number (" + n.Value + ")"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "an unexpected value"
}

// Closest suggests the allowed name nearest to k (edit distance ≤ 2,
// ignoring case) for "did you mean" hints; "" when none is that near.
func Closest(k string, allowed []string) string {
	best, bestD := "", 3
	for _, a := range allowed {
		if d := distance(strings.ToLower(k), strings.ToLower(a)); d < bestD {
			best, bestD = a, d
		}
	}
	return best
}

func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
