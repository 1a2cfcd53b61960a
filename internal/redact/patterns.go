package redact

import (
	"regexp"
	"strings"
)

// Mask replaces every secret value.
const Mask = "[REDACTED]"

// sensitiveWord matches names that hold secrets: DB_PASSWORD, apiKey,
// client_secret, X-Auth-Token.
const sensitiveWord = `(?:password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|private[_-]?key|credentials?|session[_-]?id|cookie)`

// pattern is one kind of secret in free text and how to mask it.
type pattern struct {
	name string
	// hints are substrings of which a match contains at least one (in
	// lower case when fold is set): a cheap test that spares the regexp
	// on almost every line.
	hints []string
	fold  bool
	re    *regexp.Regexp
	// mask rewrites one match; nil replaces the whole match with Mask.
	mask func(match []string) string
}

// patterns are compiled once and never changed.
var patterns = []pattern{
	{name: "private key", hints: []string{"PRIVATE KEY-----"}, re: regexp.MustCompile(`-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)`)},
	{name: "authorization header", hints: []string{"authorization"}, fold: true, re: regexp.MustCompile(`(?i)(\b(?:proxy-)?authorization["']?[ \t]*[:=][ \t]*["']?)((?:bearer|basic|token|digest|negotiate)[ \t]+)?([^\s"',;]+)`),
		mask: func(m []string) string { return m[1] + m[2] + Mask }},
	{name: "bearer token", hints: []string{"bearer"}, fold: true, re: regexp.MustCompile(`(?i)\b(bearer[ \t]+)([A-Za-z0-9\-._~+/]{8,}=*)`),
		mask: func(m []string) string { return m[1] + Mask }},
	{name: "URL credentials", hints: []string{"://"}, re: regexp.MustCompile(`\b([a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+):([^/\s@]+)@`),
		mask: func(m []string) string { return m[1] + ":" + Mask + "@" }},
	{name: "Slack webhook", hints: []string{"hooks.slack.com/"}, re: regexp.MustCompile(`(https://hooks\.slack\.com/(?:services|workflows|triggers)/)[A-Za-z0-9/_-]+`),
		mask: func(m []string) string { return m[1] + Mask }},
	{name: "JWT", hints: []string{"eyJ"}, re: regexp.MustCompile(`\beyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*`)},
	{name: "GitHub token", hints: []string{"ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_"}, re: regexp.MustCompile(`\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{30,})`)},
	{name: "GitLab token", hints: []string{"glpat-"}, re: regexp.MustCompile(`\bglpat-[A-Za-z0-9_-]{20,}`)},
	{name: "Slack token", hints: []string{"xox"}, re: regexp.MustCompile(`\bxox[abposre]-[A-Za-z0-9-]{10,}`)},
	{name: "AWS access key", hints: []string{"AKIA", "ASIA", "AGPA", "AIDA", "AROA", "AIPA", "ANPA", "ANVA"}, re: regexp.MustCompile(`\b(?:AKIA|ASIA|AGPA|AIDA|AROA|AIPA|ANPA|ANVA)[A-Z0-9]{16}\b`)},
	{name: "Google API key", hints: []string{"AIza"}, re: regexp.MustCompile(`\bAIza[0-9A-Za-z_-]{35}`)},
	{name: "Stripe key", hints: []string{"k_live_", "k_test_"}, re: regexp.MustCompile(`\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}`)},
	// NAME=value, NAME: value, "name": "value" where NAME says secret. It
	// runs last so the specific patterns above keep their own masks.
	{name: "secret assignment", hints: []string{"pass", "pwd", "secret", "token", "key", "credential", "session", "cookie"}, fold: true, re: regexp.MustCompile(`(?i)([A-Za-z0-9_.\-]*` + sensitiveWord + `[A-Za-z0-9_.\-]*)(["']?[ \t]*[:=][ \t]*["']?)([^\s"'&,;}\]]+)`),
		mask: func(m []string) string {
			// Already masked (the value stops before the mask's "]"):
			// masking twice must not change it.
			if !SensitiveKey(m[1]) || strings.HasPrefix(m[3], strings.TrimSuffix(Mask, "]")) {
				return m[0]
			}
			return m[1] + m[2] + Mask
		}},
}

var sensitiveKey = regexp.MustCompile(`(?i)` + sensitiveWord) // compiled once, never changed

// referenceSuffixes mark names that point at a secret rather than hold it:
// secretKeyRef, tokenFile, secretName, password_path.
var referenceSuffixes = []string{"ref", "file", "name", "path", "dir", "keys", "count", "expiry", "expires", "ttl"}

// SensitiveKey reports whether a field or variable named k holds a secret
// value (DB_PASSWORD, apiKey, X-Auth-Token), as opposed to naming one
// (secretKeyRef, bearer_token_file, secretName).
func SensitiveKey(k string) bool {
	if !sensitiveKey.MatchString(k) {
		return false
	}
	lower := strings.ToLower(strings.TrimRight(k, `"' `))
	for _, s := range referenceSuffixes {
		if strings.HasSuffix(lower, s) {
			return false
		}
	}
	return true
}

// mayMatch is the cheap test before the regexp.
func (p pattern) mayMatch(s, lower string) bool {
	if p.fold {
		s = lower
	}
	for _, h := range p.hints {
		if strings.Contains(s, h) {
			return true
		}
	}
	return false
}
