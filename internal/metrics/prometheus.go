package metrics

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/api"
	v1 "github.com/prometheus/client_golang/api/prometheus/v1"
	commoncfg "github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// RevisionLabel is the label a per-revision query puts the revision
// (pod-template-hash) in; a series without it is the whole workload.
const RevisionLabel = "revision"

// Prometheus is a Source backed by a Prometheus server's HTTP API.
type Prometheus struct {
	url string // redacted, for messages
	api v1.API
}

// NewPrometheus connects to the Prometheus at rawURL (nothing is sent
// until the first query). httpCfg carries authentication and TLS; its zero
// value is plain HTTP without redirects, commoncfg.DefaultHTTPClientConfig
// the usual defaults.
func NewPrometheus(rawURL string, httpCfg commoncfg.HTTPClientConfig) (*Prometheus, error) {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("prometheus URL %q must be http:// or https:// and a host", rawURL)
	}
	if err := httpCfg.Validate(); err != nil {
		return nil, fmt.Errorf("prometheus at %s: HTTP settings: %w", u.Redacted(), err)
	}
	rt, err := commoncfg.NewRoundTripperFromConfig(httpCfg, "mayday")
	if err != nil {
		return nil, fmt.Errorf("prometheus at %s: HTTP settings: %w", u.Redacted(), err)
	}
	client, err := api.NewClient(api.Config{Address: rawURL, RoundTripper: rt})
	if err != nil {
		return nil, fmt.Errorf("prometheus at %s: %w", u.Redacted(), err)
	}
	p := &Prometheus{url: u.Redacted()}
	p.api = v1.NewAPI(statusClient{Client: client, url: p.url})
	return p, nil
}

// Name says where the data comes from.
func (p *Prometheus) Name() string { return "prometheus " + p.url }

// QueryRange runs q as a range query, or as an instant query at r.End when
// r.Start equals r.End.
func (p *Prometheus) QueryRange(ctx context.Context, q Query, r Range) ([]Series, error) {
	if strings.TrimSpace(q.Expr) == "" {
		return nil, errors.New("empty query")
	}
	started := time.Now()
	var (
		val model.Value
		err error
	)
	if r.Start.Equal(r.End) {
		val, _, _, err = p.api.Query(ctx, q.Expr, r.End)
	} else {
		if r.Step <= 0 || r.End.Before(r.Start) {
			return nil, fmt.Errorf("bad range %s..%s step %s", r.Start.Format(time.RFC3339), r.End.Format(time.RFC3339), r.Step)
		}
		val, _, _, err = p.api.QueryRange(ctx, q.Expr, v1.Range{Start: r.Start, End: r.End, Step: r.Step})
	}
	if err != nil {
		return nil, p.explain(ctx, started, err)
	}
	return toSeries(val), nil
}

// Alerts lists Prometheus' active alerts.
func (p *Prometheus) Alerts(ctx context.Context) ([]Alert, error) {
	started := time.Now()
	res, err := p.api.Alerts(ctx)
	if err != nil {
		return nil, p.explain(ctx, started, err)
	}
	out := make([]Alert, 0, len(res.Alerts))
	for _, a := range res.Alerts {
		out = append(out, Alert{
			Name:        string(a.Labels[model.AlertNameLabel]),
			State:       string(a.State),
			Labels:      labelMap(a.Labels),
			Annotations: labelMap(a.Annotations),
			ActiveAt:    a.ActiveAt,
			Value:       a.Value,
		})
	}
	return out, nil
}

func labelMap(ls model.LabelSet) map[string]string {
	m := make(map[string]string, len(ls))
	for k, v := range ls {
		m[string(k)] = string(v)
	}
	return m
}

// toSeries turns an answer into series; NaN and ±Inf values are kept.
func toSeries(val model.Value) []Series {
	switch v := val.(type) {
	case model.Matrix:
		out := make([]Series, 0, len(v))
		for _, ss := range v {
			s := Series{Revision: string(ss.Metric[RevisionLabel]), Points: make([]Point, 0, len(ss.Values))}
			for _, sp := range ss.Values {
				s.Points = append(s.Points, Point{T: sp.Timestamp.Time(), V: float64(sp.Value)})
			}
			out = append(out, s)
		}
		return out
	case model.Vector:
		out := make([]Series, 0, len(v))
		for _, sm := range v {
			out = append(out, Series{Revision: string(sm.Metric[RevisionLabel]), Points: []Point{{T: sm.Timestamp.Time(), V: float64(sm.Value)}}})
		}
		return out
	case *model.Scalar:
		return []Series{{Points: []Point{{T: v.Timestamp.Time(), V: float64(v.Value)}}}}
	}
	return nil
}

// explain turns a client error into one that says what happened where.
func (p *Prometheus) explain(ctx context.Context, started time.Time, err error) error {
	var apiErr *v1.Error
	var status *statusError
	var dnsErr *net.DNSError
	switch {
	case errors.As(err, &status):
		return status
	case errors.Is(err, context.DeadlineExceeded):
		limit := time.Since(started)
		if d, ok := ctx.Deadline(); ok {
			limit = d.Sub(started)
		}
		return wrapped{fmt.Sprintf("prometheus at %s did not answer within %s", p.url, roundLimit(limit)), err}
	case errors.Is(err, context.Canceled):
		return wrapped{fmt.Sprintf("query to prometheus at %s canceled", p.url), err}
	case errors.As(err, &apiErr) && apiErr.Type == v1.ErrBadResponse:
		return fmt.Errorf("prometheus at %s answered something other than the Prometheus API: %w", p.url, apiErr)
	case errors.As(err, &apiErr):
		return apiErr // Prometheus' own words: "bad_data: 1:5: parse error: ..."
	case errors.Is(err, syscall.ECONNREFUSED):
		return wrapped{fmt.Sprintf("prometheus at %s unreachable: connection refused", p.url), err}
	case errors.As(err, &dnsErr):
		return wrapped{fmt.Sprintf("prometheus at %s unreachable: cannot resolve %s", p.url, dnsErr.Name), err}
	}
	var certErr *tls.CertificateVerificationError
	var recordErr tls.RecordHeaderError
	switch {
	case errors.As(err, &certErr):
		return fmt.Errorf("prometheus at %s: TLS: %w", p.url, certErr)
	case errors.As(err, &recordErr):
		return fmt.Errorf("prometheus at %s: TLS: the server does not speak TLS (is the URL http://?): %w", p.url, err)
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		return fmt.Errorf("prometheus at %s unreachable: %w", p.url, urlErr.Err)
	}
	return fmt.Errorf("prometheus at %s: %w", p.url, err)
}

// wrapped says what happened in its own words and keeps the cause for
// errors.Is.
type wrapped struct {
	msg string
	err error
}

func (w wrapped) Error() string { return w.msg }
func (w wrapped) Unwrap() error { return w.err }

// roundLimit writes a timeout as configured (5s, not 4.999s).
func roundLimit(d time.Duration) time.Duration {
	if d >= time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Millisecond)
}

// statusClient turns HTTP answers that are not Prometheus API answers
// (401/403 from an auth proxy, 404 for a wrong path, 502 from a load
// balancer) into errors that say so, and keeps Prometheus' own error
// messages for the ones that are.
type statusClient struct {
	api.Client
	url string
}

// statusError is a refused or failed HTTP exchange.
type statusError struct {
	URL    string
	Status int
	msg    string
}

func (e *statusError) Error() string { return e.msg }

func (c statusClient) Do(ctx context.Context, req *http.Request) (*http.Response, []byte, error) {
	resp, body, err := c.Client.Do(ctx, req)
	if err != nil || resp.StatusCode/100 == 2 {
		return resp, body, err
	}
	status := fmt.Sprintf("%d %s", resp.StatusCode, http.StatusText(resp.StatusCode))
	var apiAnswer struct {
		Status    string `json:"status"`
		ErrorType string `json:"errorType"`
		Error     string `json:"error"`
	}
	if json.Unmarshal(body, &apiAnswer) == nil && apiAnswer.Status == "error" && apiAnswer.Error != "" {
		return resp, body, &v1.Error{Type: v1.ErrorType(apiAnswer.ErrorType), Msg: apiAnswer.Error}
	}
	se := &statusError{URL: c.url, Status: resp.StatusCode}
	switch resp.StatusCode {
	case http.StatusUnauthorized, http.StatusForbidden:
		se.msg = fmt.Sprintf("prometheus at %s refused the credentials (%s)", c.url, status)
	case http.StatusNotFound:
		se.msg = fmt.Sprintf("prometheus at %s answered %s: is that the server's base URL?", c.url, status)
	default:
		se.msg = fmt.Sprintf("prometheus at %s answered %s%s", c.url, status, bodyHint(body))
	}
	return resp, body, se
}

// bodyHint is the start of an error page, for context.
func bodyHint(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if s == "" {
		return ""
	}
	if r := []rune(s); len(r) > 120 {
		s = string(r[:120]) + "…"
	}
	return ": " + s
}
