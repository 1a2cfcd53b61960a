package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"time"

	"github.com/mayday-tui/mayday/internal/incident"
	"github.com/mayday-tui/mayday/internal/redact"
)

// Notifier delivers journal records to webhooks in the background.
type Notifier struct {
	Hooks []Webhook
	// Client sends the requests (nil: a client without a global timeout;
	// each attempt has its webhook's timeout).
	Client *http.Client
	// Backoff is the wait before the first retry; it doubles after each.
	Backoff  time.Duration
	Redactor *redact.Redactor
	// OnError receives problems writing an outcome to the journal (nil:
	// dropped).
	OnError func(error)

	wg sync.WaitGroup
}

// Observe is the journal's hook (incident.Options.Observe): it starts a
// delivery for each webhook that announces records of r's type and
// returns at once. Each outcome is appended to j.
func (n *Notifier) Observe(j *incident.Journal, r incident.Record) {
	var hooks []Webhook
	for _, h := range n.Hooks {
		if h.wants(r.Type) {
			hooks = append(hooks, h)
		}
	}
	if len(hooks) == 0 {
		return
	}
	msg := NewMessage(j.Incident(), r, n.Redactor)
	for _, h := range hooks {
		n.wg.Add(1)
		go func() {
			defer n.wg.Done()
			out := n.Deliver(context.Background(), h, msg)
			t := incident.TypeNotificationSent
			if out.Error != "" {
				t = incident.TypeNotificationFailed
			}
			if _, err := j.Append(incident.Record{Type: t, Payload: out}); err != nil && n.OnError != nil {
				n.OnError(fmt.Errorf("recording the notification of webhook %s: %w", h.Name, err))
			}
		}()
	}
}

// Wait waits for the deliveries in flight, or for ctx.
func (n *Notifier) Wait(ctx context.Context) error {
	done := make(chan struct{})
	go func() {
		n.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// MaxDuration is the longest a delivery can take: every attempt timing
// out, with the waits between them.
func (n *Notifier) MaxDuration() time.Duration {
	var longest time.Duration
	for _, h := range n.Hooks {
		d := time.Duration(h.Retries+1) * h.timeout()
		wait := n.Backoff
		if wait <= 0 {
			wait = DefaultBackoff
		}
		for range h.Retries {
			d += wait
			wait = min(wait*2, maxBackoff)
		}
		longest = max(longest, d)
	}
	return longest
}

// Deliver sends msg to one webhook, retrying network errors, 5xx and 429
// answers with a doubling backoff; other answers are final. It returns
// the outcome as the journal records it.
func (n *Notifier) Deliver(ctx context.Context, h Webhook, msg Message) incident.Notification {
	out := incident.Notification{Webhook: h.Name, Event: msg.Event, Seq: msg.Record.Seq}
	start := time.Now()
	data, err := body(h.Format, msg)
	if err != nil {
		out.Error = "encoding: " + err.Error()
		return out
	}
	wait := n.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	for attempt := 0; attempt <= h.Retries; attempt++ {
		out.Attempts = attempt + 1
		status, retryAfter, err := n.post(ctx, h, data)
		out.Status = status
		if err == nil {
			out.Error = ""
			break
		}
		out.Error = n.Redactor.String(err.Error())
		if !retryable(status) || attempt == h.Retries {
			break
		}
		if retryAfter > 0 && retryAfter <= maxBackoff {
			wait = retryAfter
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			out.Error = "gave up: " + ctx.Err().Error()
			out.Duration = time.Since(start)
			return out
		}
		wait = min(wait*2, maxBackoff)
	}
	out.Duration = time.Since(start)
	return out
}

// retryable: no answer, a server error or a rate limit.
func retryable(status int) bool {
	return status == 0 || status >= 500 || status == http.StatusTooManyRequests
}

// post sends one attempt. The error never holds the URL (it holds a
// token in most webhook services).
func (n *Notifier) post(ctx context.Context, h Webhook, data []byte) (status int, retryAfter time.Duration, err error) {
	ctx, cancel := context.WithTimeout(ctx, h.timeout())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, h.URL, bytes.NewReader(data))
	if err != nil {
		return 0, 0, errors.New("invalid webhook URL")
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "mayday")
	client := n.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil {
			return 0, 0, fmt.Errorf("no answer within %s", h.timeout())
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // drop the "Post URL:" prefix
		}
		return 0, 0, err
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, 200))
	if resp.StatusCode/100 == 2 {
		return resp.StatusCode, 0, nil
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err == nil && s > 0 {
		retryAfter = time.Duration(s) * time.Second
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if t := bytes.TrimSpace(snippet); len(t) > 0 {
		msg += ": " + string(t)
	}
	return resp.StatusCode, retryAfter, errors.New(msg)
}
