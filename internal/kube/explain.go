package kube

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// Describe turns an error from talking to the API server into one line
// that says what went wrong and what to do. c may be nil. Errors that are
// not about the connection are returned as they are.
func Describe(err error, c *Connection) string {
	where := "the Kubernetes API server"
	if c != nil && c.Server != "" {
		where += " at " + c.Server
	}
	if c != nil && c.Context != "" {
		where += fmt.Sprintf(" (context %q)", c.Context)
	}
	var timeout time.Duration
	if c != nil {
		timeout = c.Timeout
	}
	var x509Unknown x509.UnknownAuthorityError
	var x509Host x509.HostnameError
	var x509Invalid x509.CertificateInvalidError
	var dnsErr *net.DNSError
	switch {
	case err == nil:
		return ""
	case apierrors.IsUnauthorized(err):
		return fmt.Sprintf("%s rejected the credentials (401 Unauthorized): log in again or refresh the token of this context", where)
	case errors.As(err, &x509Unknown), errors.As(err, &x509Host), errors.As(err, &x509Invalid):
		return fmt.Sprintf("cannot verify the TLS certificate of %s (%s): check the kubeconfig's certificate-authority", where, innermost(err))
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("cannot resolve the host of %s (%s): check the server address in the kubeconfig or your VPN/DNS", where, innermost(err))
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Sprintf("cannot reach %s: connection refused: check that the cluster is running, or pick another context with --context", where)
	case isTimeout(err):
		limit := ""
		if timeout > 0 {
			limit = fmt.Sprintf(" within --request-timeout=%s", timeout)
		}
		return fmt.Sprintf("%s did not answer%s: check the network/VPN and that the cluster is up, or raise --request-timeout", where, limit)
	case isNetwork(err):
		return fmt.Sprintf("cannot reach %s (%s): check the network/VPN and that the cluster is up", where, innermost(err))
	}
	return oneLine(err.Error())
}

// IsConnectionError reports whether err means the API server could not be
// reached or did not answer, as opposed to an answer that said no.
func IsConnectionError(err error) bool {
	var dnsErr *net.DNSError
	return errors.Is(err, syscall.ECONNREFUSED) || errors.As(err, &dnsErr) || isTimeout(err) || isNetwork(err)
}

func isTimeout(err error) bool {
	if errors.Is(err, context.DeadlineExceeded) || apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func isNetwork(err error) bool {
	var op *net.OpError
	var ue *url.Error
	return errors.As(err, &op) || (errors.As(err, &ue) && !apiStatus(err))
}

func apiStatus(err error) bool {
	var s apierrors.APIStatus
	return errors.As(err, &s)
}

// innermost is the message of the deepest error in the chain that still
// says something (for "dial tcp 10.0.0.1:443: i/o timeout" rather than the
// whole URL).
func innermost(err error) string {
	msg := err.Error()
	var op *net.OpError
	if errors.As(err, &op) {
		msg = op.Error()
	}
	var ue *url.Error
	if op == nil && errors.As(err, &ue) && ue.Err != nil {
		msg = ue.Err.Error()
	}
	return strings.TrimSpace(oneLine(msg))
}
