package metrics

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commoncfg "github.com/prometheus/common/config"
)

// promAPI serves canned Prometheus HTTP API answers by path.
func promAPI(t *testing.T, answers map[string]string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func newProm(t *testing.T, url string, cfg commoncfg.HTTPClientConfig) *Prometheus {
	t.Helper()
	p, err := NewPrometheus(url, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPrometheusQueryRange(t *testing.T) {
	var got map[string]string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		got = map[string]string{"path": r.URL.Path, "query": r.Form.Get("query"), "start": r.Form.Get("start"), "end": r.Form.Get("end"), "step": r.Form.Get("step")}
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"matrix","result":[
			{"metric":{"revision":"abc"},"values":[[1710417600,"0.5"],[1710417630,"NaN"]]},
			{"metric":{},"values":[[1710417600,"+Inf"],[1710417630,"-Inf"],[1710417660,"0.25"]]}]}}`)
	}))
	defer srv.Close()
	p := newProm(t, srv.URL, commoncfg.DefaultHTTPClientConfig)
	start := time.Unix(1710417600, 0)
	series, err := p.QueryRange(context.Background(), Query{Expr: `sum(rate(x[1m]))`}, Range{Start: start, End: start.Add(time.Minute), Step: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if got["path"] != "/api/v1/query_range" || got["query"] != `sum(rate(x[1m]))` || got["start"] != "1710417600" || got["end"] != "1710417660" || got["step"] != "30" {
		t.Errorf("request %v", got)
	}
	if len(series) != 2 || series[0].Revision != "abc" || series[1].Revision != "" {
		t.Fatalf("series %+v", series)
	}
	a, b := series[0].Points, series[1].Points
	if len(a) != 2 || a[0].V != 0.5 || !a[0].T.Equal(start) || !math.IsNaN(a[1].V) {
		t.Errorf("revision points %+v", a)
	}
	if len(b) != 3 || !math.IsInf(b[0].V, 1) || !math.IsInf(b[1].V, -1) || b[2].V != 0.25 || !b[2].T.Equal(start.Add(time.Minute)) {
		t.Errorf("aggregate points %+v", b)
	}
}

func TestPrometheusInstant(t *testing.T) {
	srv := promAPI(t, map[string]string{
		"/api/v1/query": `{"status":"success","data":{"resultType":"vector","result":[{"metric":{"revision":"r1","pod":"x"},"value":[1710417600.5,"3"]},{"metric":{},"value":[1710417600.5,"4"]}]}}`,
	})
	p := newProm(t, srv.URL+"/", commoncfg.HTTPClientConfig{})
	at := time.Unix(1710417600, 500_000_000)
	series, err := p.QueryRange(context.Background(), Query{Expr: "x"}, Range{Start: at, End: at})
	if err != nil {
		t.Fatal(err)
	}
	if len(series) != 2 || series[0].Revision != "r1" || series[1].Points[0].V != 4 || !series[1].Points[0].T.Equal(at) {
		t.Errorf("series %+v", series)
	}

	scalar := promAPI(t, map[string]string{"/api/v1/query": `{"status":"success","data":{"resultType":"scalar","result":[1710417600,"7"]}}`})
	series, err = newProm(t, scalar.URL, commoncfg.HTTPClientConfig{}).QueryRange(context.Background(), Query{Expr: "7"}, Range{Start: at, End: at})
	if err != nil || len(series) != 1 || series[0].Points[0].V != 7 {
		t.Errorf("scalar: %+v %v", series, err)
	}

	empty := promAPI(t, map[string]string{"/api/v1/query_range": `{"status":"success","data":{"resultType":"matrix","result":[]}}`})
	series, err = newProm(t, empty.URL, commoncfg.HTTPClientConfig{}).QueryRange(context.Background(), Query{Expr: "nothing"}, Range{Start: at, End: at.Add(time.Minute), Step: time.Second})
	if err != nil || len(series) != 0 {
		t.Errorf("empty: %+v %v", series, err)
	}
}

func TestPrometheusErrors(t *testing.T) {
	status := func(code int, body string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(code)
			fmt.Fprint(w, body)
		}
	}
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    string // with URL for the server's address
	}{
		{"bad PromQL", status(400, `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected character: '('"}`), `bad_data: 1:5: parse error: unexpected character: '('`},
		{"unprocessable", status(422, `{"status":"error","errorType":"execution","error":"many-to-many matching not allowed"}`), `execution: many-to-many matching not allowed`},
		{"unavailable", status(503, `{"status":"error","errorType":"unavailable","error":"too many queries"}`), `unavailable: too many queries`},
		{"401", status(401, "no"), "prometheus at {URL} refused the credentials (401 Unauthorized)"},
		{"403", status(403, "<html>forbidden</html>"), "prometheus at {URL} refused the credentials (403 Forbidden)"},
		{"404", status(404, "404 page not found"), "prometheus at {URL} answered 404 Not Found: is that the server's base URL?"},
		{"502", status(502, "<html>\n <b>bad gateway</b>\n</html>"), "prometheus at {URL} answered 502 Bad Gateway: <html> <b>bad gateway</b> </html>"},
		{"not JSON", status(200, "<html>login</html>"), "prometheus at {URL} answered something other than the Prometheus API: bad_response: invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.handler)
			defer srv.Close()
			p := newProm(t, srv.URL, commoncfg.DefaultHTTPClientConfig)
			_, err := p.QueryRange(context.Background(), Query{Expr: "sum(("}, Range{Start: time.Now().Add(-time.Hour), End: time.Now(), Step: time.Minute})
			want := strings.ReplaceAll(tt.want, "{URL}", srv.URL)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("err = %v\nwant %s", err, want)
			}
			if _, aerr := p.Alerts(context.Background()); aerr == nil {
				t.Error("alerts: no error")
			}
		})
	}
}

func TestPrometheusUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close()
	p := newProm(t, url, commoncfg.DefaultHTTPClientConfig)
	_, err = p.QueryRange(context.Background(), Query{Expr: "up"}, instantNow())
	if err == nil || err.Error() != "prometheus at "+url+" unreachable: connection refused" {
		t.Errorf("err = %v", err)
	}
	_, err = p.Alerts(context.Background())
	if err == nil || !strings.Contains(err.Error(), "unreachable: connection refused") {
		t.Errorf("alerts err = %v", err)
	}
}

func TestPrometheusTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)
	p := newProm(t, srv.URL, commoncfg.DefaultHTTPClientConfig)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	_, err := p.QueryRange(ctx, Query{Expr: "up"}, instantNow())
	want := "prometheus at " + srv.URL + " did not answer within 200ms"
	if err == nil || err.Error() != want || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v\nwant %s", err, want)
	}
}

func TestPrometheusBadRange(t *testing.T) {
	p := newProm(t, "http://127.0.0.1:1", commoncfg.HTTPClientConfig{})
	now := time.Now()
	for _, r := range []Range{{Start: now.Add(-time.Hour), End: now}, {Start: now, End: now.Add(-time.Hour), Step: time.Second}} {
		if _, err := p.QueryRange(context.Background(), Query{Expr: "up"}, r); err == nil || !strings.Contains(err.Error(), "bad range") {
			t.Errorf("%+v: %v", r, err)
		}
	}
	if _, err := p.QueryRange(context.Background(), Query{Expr: " "}, Range{Start: now, End: now}); err == nil {
		t.Error("empty query accepted")
	}
}

func TestPrometheusAlerts(t *testing.T) {
	srv := promAPI(t, map[string]string{"/api/v1/alerts": `{"status":"success","data":{"alerts":[
		{"labels":{"alertname":"CheckoutErrors","namespace":"shop","severity":"critical"},"annotations":{"summary":"errors"},"state":"firing","activeAt":"2025-03-14T12:00:00Z","value":"1.2e-01"},
		{"labels":{"alertname":"Slow"},"annotations":{},"state":"pending","activeAt":"2025-03-14T12:01:00Z","value":"2"}]}}`})
	alerts, err := newProm(t, srv.URL, commoncfg.HTTPClientConfig{}).Alerts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Fatalf("alerts %+v", alerts)
	}
	a := alerts[0]
	if a.Name != "CheckoutErrors" || a.State != "firing" || a.Labels["severity"] != "critical" || a.Annotations["summary"] != "errors" ||
		!a.ActiveAt.Equal(time.Date(2025, 3, 14, 12, 0, 0, 0, time.UTC)) || a.Value != "1.2e-01" {
		t.Errorf("alert %+v", a)
	}
	if alerts[1].State != "pending" {
		t.Errorf("second alert %+v", alerts[1])
	}
}

func TestPrometheusAuth(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	var gotAuth string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth = r.Header.Get("Authorization")
		fmt.Fprint(w, `{"status":"success","data":{"resultType":"vector","result":[]}}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the untrusted handshake below is expected
	srv.StartTLS()
	defer srv.Close()
	ca := write("ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})))

	bearer := commoncfg.DefaultHTTPClientConfig
	bearer.Authorization = &commoncfg.Authorization{Type: "Bearer", CredentialsFile: write("token", "s3cret\n")}
	bearer.TLSConfig = commoncfg.TLSConfig{CAFile: ca}
	p := newProm(t, srv.URL, bearer)
	if _, err := p.QueryRange(context.Background(), Query{Expr: "up"}, instantNow()); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Bearer s3cret" {
		t.Errorf("Authorization = %q", gotAuth)
	}

	basic := commoncfg.DefaultHTTPClientConfig
	basic.BasicAuth = &commoncfg.BasicAuth{Username: "ops", PasswordFile: write("pw", "hunter2")}
	basic.TLSConfig = commoncfg.TLSConfig{InsecureSkipVerify: true}
	if _, err := newProm(t, srv.URL, basic).QueryRange(context.Background(), Query{Expr: "up"}, instantNow()); err != nil {
		t.Fatal(err)
	}
	if gotAuth != "Basic b3BzOmh1bnRlcjI=" { // ops:hunter2
		t.Errorf("Authorization = %q", gotAuth)
	}

	// Without the CA the certificate is not trusted: said as a TLS problem.
	_, err := newProm(t, srv.URL, commoncfg.DefaultHTTPClientConfig).QueryRange(context.Background(), Query{Expr: "up"}, instantNow())
	if err == nil || !strings.Contains(err.Error(), "prometheus at "+srv.URL+": TLS:") || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted: %v", err)
	}
}

func TestNewPrometheusRejects(t *testing.T) {
	twoPasswords := commoncfg.DefaultHTTPClientConfig
	twoPasswords.BasicAuth = &commoncfg.BasicAuth{Username: "u", Password: "p", PasswordFile: "/f"}
	tests := []struct {
		url  string
		cfg  commoncfg.HTTPClientConfig
		want string
	}{
		{"ftp://x", commoncfg.HTTPClientConfig{}, `prometheus URL "ftp://x" must be http:// or https://`},
		{"localhost:9090", commoncfg.HTTPClientConfig{}, "must be http://"},
		{"http://", commoncfg.HTTPClientConfig{}, "and a host"},
		{"http://[::1", commoncfg.HTTPClientConfig{}, "must be http://"},
		{"http://localhost:9090", twoPasswords, "HTTP settings: at most one of basic_auth password"},
	}
	for _, tt := range tests {
		if _, err := NewPrometheus(tt.url, tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.url, err, tt.want)
		}
	}
}

func TestPrometheusNameHidesPassword(t *testing.T) {
	p := newProm(t, "http://ops:hunter2@prometheus:9090", commoncfg.HTTPClientConfig{})
	if strings.Contains(p.Name(), "hunter2") || !strings.Contains(p.Name(), "prometheus:9090") {
		t.Errorf("Name = %q", p.Name())
	}
}

func instantNow() Range {
	now := time.Now()
	return Range{Start: now, End: now}
}
