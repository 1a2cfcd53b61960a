package analysis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/mayday-tui/mayday/internal/incident/report"
)

// maxLineBytes cuts a log line: a line longer than this is a dump, not a
// message, and the report cuts it shorter still.
const maxLineBytes = 2 << 10

// readLogs reads the last lines of the failing container of each pod.
func (g *Gatherer) readLogs(ctx context.Context, pods []*corev1.Pod) ([]report.LogLine, []error) {
	var out []report.LogLine
	var errs []error
	for _, p := range pods {
		container, previous := failingContainer(p)
		if container == "" {
			continue
		}
		lines, err := g.podLog(ctx, p.Namespace, p.Name, container, previous)
		if err != nil {
			what := "logs"
			if previous {
				what = "previous logs"
			}
			errs = append(errs, fmt.Errorf("%s of pod %s (container %s): %s", what, p.Name, container, logProblem(err)))
		}
		for _, l := range lines {
			out = append(out, report.LogLine{Pod: p.Name, Container: container, Line: l})
		}
	}
	return out, errs
}

// failingContainer is the container of p to read: the one restarted most
// (then its previous instance, which is the one that failed), else one
// waiting or terminated badly, else the first.
func failingContainer(p *corev1.Pod) (name string, previous bool) {
	best, most := -1, int32(0)
	for i, cs := range p.Status.ContainerStatuses {
		if cs.RestartCount > most {
			best, most = i, cs.RestartCount
		}
	}
	if best >= 0 {
		return p.Status.ContainerStatuses[best].Name, true
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Waiting != nil || (cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0) {
			return cs.Name, false
		}
	}
	if len(p.Spec.Containers) > 0 {
		return p.Spec.Containers[0].Name, false
	}
	return "", false
}

// podLog reads at most LogLines lines and LogBytes bytes of a container's
// log, each line masked and cut.
func (g *Gatherer) podLog(ctx context.Context, ns, pod, container string, previous bool) ([]string, error) {
	tail, limit := int64(g.logLines()), g.logBytes()
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	stream, err := g.Client.CoreV1().Pods(ns).GetLogs(pod, &corev1.PodLogOptions{
		Container: container, Previous: previous, TailLines: &tail, LimitBytes: &limit,
	}).Stream(ctx)
	if err != nil {
		return nil, err
	}
	defer stream.Close()
	// The server honours LimitBytes; the reader holds to it even if not.
	data, err := io.ReadAll(io.LimitReader(stream, limit+1))
	if err != nil {
		return nil, err
	}
	cut := int64(len(data)) > limit
	if cut {
		data = data[:limit]
	}
	lines := strings.Split(strings.TrimRight(string(bytes.ToValidUTF8(data, []byte("\uFFFD"))), "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil, nil
	}
	if len(lines) > int(tail) {
		lines = lines[len(lines)-int(tail):]
	}
	out := slices.Clone(lines)
	for i, l := range out {
		// Mask before cutting, so a cut cannot split a secret from the
		// words that identify it.
		out[i] = cutLine(g.Redactor.String(strings.TrimRight(l, "\r")), maxLineBytes)
	}
	if cut {
		out = append(out, fmt.Sprintf("… (the log was cut at %d bytes)", limit))
	}
	return out, nil
}

// cutLine shortens s to n bytes at a rune boundary.
func cutLine(s string, n int) string {
	if len(s) <= n {
		return s
	}
	i := n
	for i > 0 && s[i]&0xC0 == 0x80 {
		i--
	}
	return s[:i] + fmt.Sprintf("… (%d bytes more)", len(s)-i)
}

// logProblem says why a log could not be read in a person's words.
func logProblem(err error) string {
	var status apierrors.APIStatus
	switch {
	case apierrors.IsNotFound(err):
		return "the pod or container is gone: " + err.Error()
	case apierrors.IsBadRequest(err):
		return "the API server refused: " + err.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return "the kubelet did not answer in time: " + err.Error()
	case errors.As(err, &status) && status.Status().Code < 500:
		return err.Error()
	}
	// The API server proxies logs from the node's kubelet: a server
	// error or a broken stream is the kubelet's.
	return "the kubelet did not answer: " + err.Error()
}
