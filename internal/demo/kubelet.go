package demo

import (
	"crypto/sha256"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pod lifecycle of the simulated kubelet, at Speed 1. Each pod gets a
// stable jitter from its name so that pods of one rollout do not move in
// lockstep.
const (
	startDelay  = 500 * time.Millisecond  // + up to 100% jitter: image pulled, containers running
	readyDelay  = 1200 * time.Millisecond // + up to 100% jitter: readiness probe passes
	crashRun    = 6 * time.Second         // a bad container runs this long before it exits
	backoffBase = 10 * time.Second        // kubelet's crash-loop back-off: 10s, 20s, ... 5m
	backoffMax  = 5 * time.Minute
)

// jitter returns a stable fraction in [0, 1) for a name.
func jitter(name string) float64 {
	h := fnv.New32a()
	h.Write([]byte(name))
	return float64(h.Sum32()%1000) / 1000
}

func (s *sim) scaled(d time.Duration) time.Duration {
	return time.Duration(float64(d) / s.speed)
}

// podStatus is the status kubelet reports for p at now: a pure function of
// the pod's spec, name and creation time, so that the seed and the running
// simulation agree and an unchanged pod is never rewritten.
func (s *sim) podStatus(p *corev1.Pod, now time.Time, nodes map[string]*corev1.Node) corev1.PodStatus {
	created := p.CreationTimestamp.Time
	j := jitter(p.Name)
	startAt := created.Add(s.scaled(time.Duration(float64(startDelay) * (1 + j))))
	readyAt := startAt.Add(s.scaled(time.Duration(float64(readyDelay) * (1 + j))))
	h := fnv.New32a()
	h.Write([]byte(p.Namespace + "/" + p.Name))
	sum := h.Sum32()

	st := corev1.PodStatus{Phase: corev1.PodPending, QOSClass: qosClass(&p.Spec)}
	tc := metav1.NewTime(created)
	st.Conditions = []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: tc}}
	if n, ok := nodes[p.Spec.NodeName]; ok {
		st.HostIP = nodeIP(n)
		st.HostIPs = []corev1.HostIP{{IP: st.HostIP}}
	}
	if now.Before(startAt) {
		st.Conditions = append(st.Conditions,
			corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionFalse, LastTransitionTime: tc},
			corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: tc},
			notReady(corev1.ContainersReady, tc, p.Spec.Containers), notReady(corev1.PodReady, tc, p.Spec.Containers))
		for _, c := range p.Spec.Containers {
			st.ContainerStatuses = append(st.ContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, Started: new(false),
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}},
			})
		}
		for _, c := range p.Spec.InitContainers {
			st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
				Name: c.Name, Image: c.Image, Started: new(false),
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "PodInitializing"}},
			})
		}
		return st
	}

	st.Phase = corev1.PodRunning
	st.StartTime = &tc
	st.PodIP = fmt.Sprintf("10.244.%d.%d", sum%8, 2+(sum>>8)%250)
	st.PodIPs = []corev1.PodIP{{IP: st.PodIP}}
	ts := metav1.NewTime(startAt)
	for _, c := range p.Spec.InitContainers {
		st.InitContainerStatuses = append(st.InitContainerStatuses, corev1.ContainerStatus{
			Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), Ready: true, Started: new(false),
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0, Reason: "Completed", StartedAt: tc, FinishedAt: ts}},
		})
	}
	var unready []corev1.Container
	allReadyAt := readyAt
	for _, c := range p.Spec.Containers {
		cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, ImageID: imageID(c.Image), Started: new(true),
			ContainerID: fmt.Sprintf("containerd://%08x%08x", sum, fnvString(c.Name))}
		if msg, bad := badImages[c.Image]; bad {
			s.crashLoop(&cs, p, c.Name, msg, now.Sub(startAt), startAt)
			unready = append(unready, c)
		} else {
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: ts}}
			cs.Ready = !now.Before(readyAt)
			if !cs.Ready {
				unready = append(unready, c)
			}
		}
		st.ContainerStatuses = append(st.ContainerStatuses, cs)
	}
	st.Conditions = append(st.Conditions,
		corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionTrue, LastTransitionTime: ts},
		corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue, LastTransitionTime: ts})
	if len(unready) > 0 {
		st.Conditions = append(st.Conditions, notReady(corev1.ContainersReady, ts, unready), notReady(corev1.PodReady, ts, unready))
	} else {
		tr := metav1.NewTime(allReadyAt)
		st.Conditions = append(st.Conditions,
			corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: tr},
			corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: tr})
	}
	return st
}

// crashLoop fills the status of a container that exits with an error after
// crashRun and is restarted with kubelet's exponential back-off.
func (s *sim) crashLoop(cs *corev1.ContainerStatus, p *corev1.Pod, name, msg string, elapsed time.Duration, startAt time.Time) {
	run := s.scaled(crashRun)
	at := startAt
	var restarts int32
	var last *corev1.ContainerStateTerminated
	for i := 0; i < 100000; i++ {
		if elapsed < run {
			cs.State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}
			break
		}
		elapsed -= run
		finished := at.Add(run)
		last = &corev1.ContainerStateTerminated{ExitCode: 1, Reason: "Error", Message: msg,
			StartedAt: metav1.NewTime(at), FinishedAt: metav1.NewTime(finished)}
		backoff := min(backoffBase<<min(restarts, 8), backoffMax)
		if elapsed < s.scaled(backoff) {
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
				Message: fmt.Sprintf("back-off %s restarting failed container=%s pod=%s_%s(%s)", backoff, name, p.Name, p.Namespace, p.UID)}}
			break
		}
		elapsed -= s.scaled(backoff)
		at = finished.Add(s.scaled(backoff))
		restarts++
	}
	cs.RestartCount = restarts
	if last != nil {
		cs.LastTerminationState = corev1.ContainerState{Terminated: last}
	}
}

func notReady(t corev1.PodConditionType, at metav1.Time, unready []corev1.Container) corev1.PodCondition {
	names := make([]string, len(unready))
	for i, c := range unready {
		names[i] = c.Name
	}
	return corev1.PodCondition{Type: t, Status: corev1.ConditionFalse, LastTransitionTime: at,
		Reason: "ContainersNotReady", Message: fmt.Sprintf("containers with unready status: %v", names)}
}

func qosClass(spec *corev1.PodSpec) corev1.PodQOSClass {
	any, guaranteed := false, true
	for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
		if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
			any = true
		}
		for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
			lim, ok := c.Resources.Limits[r]
			if !ok {
				guaranteed = false
			} else if req, ok := c.Resources.Requests[r]; ok && req.Cmp(lim) != 0 {
				guaranteed = false
			}
		}
	}
	switch {
	case !any:
		return corev1.PodQOSBestEffort
	case guaranteed:
		return corev1.PodQOSGuaranteed
	}
	return corev1.PodQOSBurstable
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// podAvailable: ready for at least minReadySeconds.
func podAvailable(p *corev1.Pod, minReadySeconds int32, now time.Time) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue &&
				!c.LastTransitionTime.Add(time.Duration(minReadySeconds)*time.Second).After(now)
		}
	}
	return false
}

func nodeIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

// imageID is the digest a runtime would report for the image.
func imageID(image string) string {
	if strings.Contains(image, "@sha256:") {
		return image
	}
	return fmt.Sprintf("%s@sha256:%x", repository(image), sha256.Sum256([]byte(image)))
}

func fnvString(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// repository strips the tag and digest from an image reference.
func repository(image string) string {
	image, _, _ = strings.Cut(image, "@")
	if i := strings.LastIndex(image, ":"); i > strings.LastIndex(image, "/") {
		return image[:i]
	}
	return image
}
