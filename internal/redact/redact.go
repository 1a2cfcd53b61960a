// Package redact keeps secret values out of everything mayday writes down:
// the incident journal, the report and notifications. It masks values of
// known Secrets, values of variables and fields whose names say secret,
// and tokens recognisable by their shape (bearer headers, AWS keys, JWTs,
// GitHub and Slack tokens, private keys, passwords in URLs).
package redact

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	corev1 "k8s.io/api/core/v1"
)

// minKnownLength is the shortest known secret value masked by value:
// shorter ones ("1", "on") would mask ordinary text.
const minKnownLength = 4

// Redactor masks secrets. The zero value and nil mask by pattern only;
// AddValue and AddSecret teach it values to mask wherever they appear.
// Safe for concurrent use.
type Redactor struct {
	mu     sync.RWMutex
	values []string // longest first, so a value containing another wins
}

// New returns a Redactor that masks by pattern and by the given values.
func New(values ...string) *Redactor {
	r := &Redactor{}
	for _, v := range values {
		r.AddValue(v)
	}
	return r
}

// AddValue masks v wherever it appears from now on.
func (r *Redactor) AddValue(v string) {
	v = strings.TrimSpace(v)
	if len(v) < minKnownLength {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if slices.Contains(r.values, v) {
		return
	}
	r.values = append(r.values, v)
	slices.SortFunc(r.values, func(a, b string) int { return len(b) - len(a) })
}

// AddSecret masks every value of a Secret, as stored and base64-encoded
// (the form `kubectl get secret -o yaml` shows).
func (r *Redactor) AddSecret(s *corev1.Secret) {
	if s == nil {
		return
	}
	for _, v := range s.Data {
		r.AddValue(string(v))
		r.AddValue(base64.StdEncoding.EncodeToString(v))
	}
	for _, v := range s.StringData {
		r.AddValue(v)
		r.AddValue(base64.StdEncoding.EncodeToString([]byte(v)))
	}
}

// String masks the secrets in s.
func (r *Redactor) String(s string) string {
	if s == "" {
		return s
	}
	if r != nil {
		r.mu.RLock()
		for _, v := range r.values {
			if strings.Contains(s, v) {
				s = strings.ReplaceAll(s, v, Mask)
			}
		}
		r.mu.RUnlock()
	}
	lower := strings.ToLower(s)
	for _, p := range patterns {
		if !p.mayMatch(s, lower) || !p.re.MatchString(s) {
			continue
		}
		if p.mask == nil {
			s = p.re.ReplaceAllLiteralString(s, Mask)
			continue
		}
		s = p.re.ReplaceAllStringFunc(s, func(m string) string {
			return p.mask(p.re.FindStringSubmatch(m))
		})
	}
	return s
}

// Value masks the secrets in a decoded JSON value: every string, and the
// whole value of a key whose name says secret.
func (r *Redactor) Value(v any) any {
	switch x := v.(type) {
	case string:
		return r.String(x)
	case map[string]any:
		for k, e := range x {
			if SensitiveKey(k) && !empty(e) {
				x[k] = Mask
				continue
			}
			x[k] = r.Value(e)
		}
		return x
	case map[string]string:
		for k, e := range x {
			if SensitiveKey(k) && e != "" {
				x[k] = Mask
				continue
			}
			x[k] = r.String(e)
		}
		return x
	case []any:
		for i, e := range x {
			x[i] = r.Value(e)
		}
		return x
	case []string:
		for i, e := range x {
			x[i] = r.String(e)
		}
		return x
	}
	return v
}

func empty(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case string:
		return x == ""
	}
	return false
}

// JSON masks the secrets in a JSON document: every string value, and the
// values of keys whose names say secret. The result is compact, with <, >
// and & kept as they are.
func (r *Redactor) JSON(data []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("redacting: %w", err)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(r.Value(v)); err != nil {
		return nil, fmt.Errorf("redacting: %w", err)
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// Env describes an environment variable's value for the record: a
// reference for values from Secrets (never the value), the mask for
// literal values of variables whose names say secret, else the value with
// any recognisable secrets masked.
func (r *Redactor) Env(e corev1.EnvVar) string {
	if f := e.ValueFrom; f != nil {
		switch {
		case f.SecretKeyRef != nil:
			return fmt.Sprintf("from secret %s key %s", f.SecretKeyRef.Name, f.SecretKeyRef.Key)
		case f.ConfigMapKeyRef != nil:
			return fmt.Sprintf("from configmap %s key %s", f.ConfigMapKeyRef.Name, f.ConfigMapKeyRef.Key)
		case f.FieldRef != nil:
			return "from field " + f.FieldRef.FieldPath
		case f.ResourceFieldRef != nil:
			return "from resource " + f.ResourceFieldRef.Resource
		}
	}
	if SensitiveKey(e.Name) && e.Value != "" {
		return Mask
	}
	return r.String(e.Value)
}
