// Package textsafe makes strings that come from the cluster safe to show on
// a terminal.
//
// Anyone who can create a ReplicaSet, label a pod or set a change-cause can
// put bytes on the on-call engineer's screen. Escape sequences in those
// bytes could recolour the screen, move the cursor to overwrite what mayday
// printed (a fake "✓ healthy"), set the window title or, on some
// terminals, write to the clipboard (OSC 52). So every cluster-sourced
// string passes through this package before it is printed: control
// characters become visible escapes (`\x1b`, `\u009b`), ordinary Unicode
// (accents, CJK, emoji) is kept as is.
package textsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String returns s for display on a single line: every control character,
// including newline and tab, becomes a visible escape.
func String(s string) string { return escape(s, false) }

// Block returns s for display as multi-line text (a diff, a manifest):
// newlines and tabs are kept, every other control character is escaped.
func Block(s string) string { return escape(s, true) }

// NeedsEscape reports whether r must not reach a terminal as is, on a
// single line. JSON encoders use it for the characters they do not escape
// themselves (C1 controls, bidirectional overrides).
func NeedsEscape(r rune) bool { return unsafe(r, false) }

// Safe reports whether s would be printed unchanged by String.
func Safe(s string) bool { return String(s) == s }

func escape(s string, multiline bool) string {
	// Fast path: nearly every name and image is plain ASCII.
	if isPlain(s, multiline) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			// Invalid UTF-8: a lone byte 0x9b is a C1 CSI on some terminals.
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case unsafe(r, multiline):
			b.WriteString(escapeRune(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

func isPlain(s string, multiline bool) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x80 || c == 0x7f {
			return false
		}
		if c < 0x20 && !(multiline && (c == '\n' || c == '\t')) {
			return false
		}
	}
	return true
}

// unsafe reports whether r must not reach the terminal as is.
func unsafe(r rune, multiline bool) bool {
	switch {
	case r == '\n' || r == '\t':
		return !multiline
	case r < 0x20, r == 0x7f: // C0 controls (ESC, BEL, CR, BS, ...) and DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls: CSI (0x9b), OSC (0x9d), ST (0x9c), ...
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators break one-line rows
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069, r == 0x200e, r == 0x200f, r == 0x061c:
		// Bidirectional overrides and isolates reorder what the reader
		// sees ("Trojan Source"): an image name could read as another.
		return true
	case r == 0xfeff: // byte order mark, invisible
		return true
	}
	return false
}

func escapeRune(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\t':
		return `\t`
	case '\r':
		return `\r`
	}
	if r < 0x80 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}

// Strings applies String to each element and returns a new slice.
func Strings(in []string) []string {
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = String(s)
	}
	return out
}
