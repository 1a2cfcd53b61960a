package incident

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
)

// maxSlug bounds the name part of an id.
const maxSlug = 24

// NewID makes an id such as INC-20261125-1420-checkout from the time and a
// name (a workload, else the title).
func NewID(t time.Time, name string) string {
	return "INC-" + t.Format("20060102-1504") + "-" + slug(name)
}

// slug keeps letters and digits of name, lower-cased, joined by dashes.
func slug(name string) string {
	if _, after, ok := strings.Cut(name, "/"); ok && !strings.Contains(after, "/") {
		name = after // deployment/checkout → checkout
	}
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		switch {
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
		default:
			dash = true
		}
		if b.Len() >= maxSlug {
			break
		}
	}
	s := strings.Trim(b.String(), "-")
	if len(s) > maxSlug {
		s = strings.TrimRight(s[:maxSlug], "-")
	}
	if s == "" {
		return "incident"
	}
	return s
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`) // compiled once, never changed

// CheckID rejects ids that could not be a journal's name (path
// separators, "..", control characters).
func CheckID(id string) error {
	if !idPattern.MatchString(id) || strings.Contains(id, "..") {
		return fmt.Errorf("%q is not an incident id (letters, digits, '.', '_' and '-', such as INC-20261125-1420-checkout)", id)
	}
	return nil
}
