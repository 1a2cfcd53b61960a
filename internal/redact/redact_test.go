package redact

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Each case plants a secret in text; the secret must go and the words
// around it, which say what was there, must stay.
func TestStringMasksPlantedSecrets(t *testing.T) {
	cases := []struct {
		name, in, secret string
		keep             []string
	}{
		{"bearer header", "GET /api Authorization: Bearer abcdef0123456789xyz", "abcdef0123456789xyz", []string{"Authorization: Bearer"}},
		{"basic header", `curl -H "authorization: Basic dXNlcjpodW50ZXIy"`, "dXNlcjpodW50ZXIy", []string{"authorization: Basic"}},
		{"bare bearer", "retrying with bearer tok_9f8e7d6c5b4a", "tok_9f8e7d6c5b4a", []string{"retrying with bearer"}},
		{"password=", "connecting to db host=pg user=app password=hunter2 sslmode=require", "hunter2", []string{"password=", "sslmode=require", "user=app"}},
		{"yaml password", "DB_PASSWORD: s3cr3t-value", "s3cr3t-value", []string{"DB_PASSWORD"}},
		{"json password", `{"user":"app","password":"pa55w0rd!"}`, "pa55w0rd!", []string{`"user":"app"`}},
		{"api key", "api_key=ak_live_1234567890", "ak_live_1234567890", []string{"api_key="}},
		{"client secret", "oauth client_secret: Zx9yW8vU7t", "Zx9yW8vU7t", []string{"client_secret"}},
		{"aws key id", "using AKIAIOSFODNN7EXAMPLE for s3", "AKIAIOSFODNN7EXAMPLE", []string{"for s3"}},
		{"aws secret", "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", []string{"aws_secret_access_key"}},
		{"jwt", "token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U rejected", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0", []string{"rejected"}},
		{"github token", "clone with ghp_16C7e42F292c6912E7710c838347Ae178B4a failed", "ghp_16C7e42F292c6912E7710c838347Ae178B4a", []string{"clone with", "failed"}},
		{"github pat", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz", "github_pat_11ABCDEFG0123456789", nil},
		{"slack token", "xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx", "AbCdEfGhIjKlMnOpQrStUvWx", nil},
		{"slack webhook", "posting to https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "XXXXXXXXXXXXXXXX", []string{"https://hooks.slack.com/services/"}},
		{"url password", "dsn postgres://app:hunter2@db.internal:5432/shop", "hunter2", []string{"postgres://app:", "@db.internal:5432/shop"}},
		{"private key", "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA\n-----END RSA PRIVATE KEY-----\nend", "MIIEpAIBAAKCAQEA", []string{"end"}},
		{"google key", "maps key AIzaSyD-1234567890abcdefghijklmnopqrstu", "AIzaSyD-1234567890abcdefghijklmnopqrstu", nil},
		{"stripe key", "charge failed with sk_live_abcdefghijklmnop1234", "sk_live_abcdefghijklmnop1234", nil},
		{"token header", "X-Auth-Token: 0d9f8e7c6b5a", "0d9f8e7c6b5a", []string{"X-Auth-Token"}},
	}
	var r *Redactor // patterns work without known values
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := r.String(c.in)
			if strings.Contains(got, c.secret) {
				t.Errorf("secret survived: %q", got)
			}
			if !strings.Contains(got, Mask) {
				t.Errorf("no mask in %q", got)
			}
			for _, k := range c.keep {
				if !strings.Contains(got, k) {
					t.Errorf("%q lost %q", got, k)
				}
			}
		})
	}
}

// Text that names secrets without holding them stays as it is.
func TestStringKeepsReferences(t *testing.T) {
	for _, s := range []string{
		"env DB_PASSWORD valueFrom secretKeyRef: db-creds/password",
		"bearer_token_file: /var/run/secrets/token",
		"secretName: tls-cert",
		"checkout:2.1.0 OOMKilled; memory limit 512Mi unchanged",
		"Readiness probe failed: HTTP probe failed with statuscode: 503",
		"https://prometheus.example.com/api/v1/query?query=up",
		"tokens per request 12",
	} {
		if got := New().String(s); got != s {
			t.Errorf("changed %q to %q", s, got)
		}
	}
}

func TestKnownValuesAndSecrets(t *testing.T) {
	r := New("opensesame")
	r.AddSecret(&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "db"},
		Data: map[string][]byte{"password": []byte("correct-horse-battery"), "short": []byte("ab")}})
	in := "login opensesame; db correct-horse-battery; b64 " + base64.StdEncoding.EncodeToString([]byte("correct-horse-battery")) + "; ab stays"
	got := r.String(in)
	for _, s := range []string{"opensesame", "correct-horse-battery", base64.StdEncoding.EncodeToString([]byte("correct-horse-battery"))} {
		if strings.Contains(got, s) {
			t.Errorf("%q survived in %q", s, got)
		}
	}
	if !strings.Contains(got, "ab stays") {
		t.Errorf("a too-short value was masked: %q", got)
	}
}

func TestEnv(t *testing.T) {
	r := New()
	ref := corev1.EnvVar{Name: "DB_PASSWORD", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{
		LocalObjectReference: corev1.LocalObjectReference{Name: "db-creds"}, Key: "password"}}}
	if got := r.Env(ref); got != "from secret db-creds key password" {
		t.Errorf("secretKeyRef: %q", got)
	}
	if got := r.Env(corev1.EnvVar{Name: "API_TOKEN", Value: "plain-literal"}); got != Mask {
		t.Errorf("literal token: %q", got)
	}
	if got := r.Env(corev1.EnvVar{Name: "LOG_LEVEL", Value: "debug"}); got != "debug" {
		t.Errorf("ordinary value: %q", got)
	}
	if got := r.Env(corev1.EnvVar{Name: "DSN", Value: "mysql://u:pw123456@db/x"}); strings.Contains(got, "pw123456") {
		t.Errorf("password in a URL: %q", got)
	}
}

func TestJSONMasksNestedValuesAndSensitiveKeys(t *testing.T) {
	in := `{"workload":"deployment/checkout","detail":{"env":{"DB_PASSWORD":"hunter2","LOG":"info"},"lines":["ok","Authorization: Bearer abcdefghijk123"],"count":3,"apiKey":null},"secretKeyRef":"db/password","html":"<a&b>"}`
	out, err := New().JSON([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, bad := range []string{"hunter2", "abcdefghijk123"} {
		if strings.Contains(s, bad) {
			t.Errorf("%q survived: %s", bad, s)
		}
	}
	for _, keep := range []string{`"LOG":"info"`, `"count":3`, `"secretKeyRef":"db/password"`, `"apiKey":null`, `"html":"<a&b>"`} {
		if !strings.Contains(s, keep) {
			t.Errorf("lost %s: %s", keep, s)
		}
	}
	var v any
	if err := json.Unmarshal(out, &v); err != nil {
		t.Errorf("not JSON: %v", err)
	}
	if _, err := New().JSON([]byte("{")); err == nil {
		t.Error("bad JSON accepted")
	}
}

func TestSensitiveKey(t *testing.T) {
	for k, want := range map[string]bool{
		"password": true, "DB_PASSWORD": true, "apiKey": true, "api-key": true, "client_secret": true,
		"X-Auth-Token": true, "credentials": true, "secretKeyRef": false, "secretName": false,
		"bearer_token_file": false, "image": false, "author": false, "key": false,
	} {
		if got := SensitiveKey(k); got != want {
			t.Errorf("SensitiveKey(%q) = %v, want %v", k, got, want)
		}
	}
}

func BenchmarkStringLogLine(b *testing.B) {
	r := New("correct-horse-battery")
	line := `2026-11-25T14:21:03Z level=error msg="payment client: upstream returned 502" trace=4bf92f3577b34da6 user=1234 path=/api/checkout`
	for b.Loop() {
		_ = r.String(line)
	}
}

// Masking what is already masked changes nothing: a report masks again
// what the journal masked.
func TestStringIsIdempotent(t *testing.T) {
	r := New()
	r.AddValue("correct-horse-battery")
	for _, s := range []string{`["--db-password=hunter2"]`, `password=hunter2`, `{"token":"abc"}`,
		`Authorization: Bearer abc.def.ghi`, `dsn=postgres://u:pw@db/x`, `pass correct-horse-battery on`} {
		once := r.String(s)
		if twice := r.String(once); twice != once {
			t.Errorf("%q: once %q, twice %q", s, once, twice)
		}
	}
}
