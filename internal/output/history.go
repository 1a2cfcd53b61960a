package output

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/yaml"

	"github.com/mattn/go-runewidth"

	"github.com/mayday-tui/mayday/internal/rollout"
	"github.com/mayday-tui/mayday/internal/textsafe"
)

// WorkloadDoc names a workload. Kind is lower case: deployment,
// statefulset or daemonset.
type WorkloadDoc struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

func workloadDoc(r rollout.Ref) WorkloadDoc {
	return WorkloadDoc{Kind: r.Kind.Short(), Namespace: r.Namespace, Name: r.Name}
}

// ImageDoc is one container's image. Init is true for init containers.
type ImageDoc struct {
	Container string `json:"container"`
	Image     string `json:"image"`
	Init      bool   `json:"init"`
}

// SourceDoc is the object recording a revision: a ReplicaSet
// (Deployments) or a ControllerRevision (StatefulSets, DaemonSets). Hash
// is its pod-template-hash or controller-revision-hash label.
type SourceDoc struct {
	Kind string `json:"kind"`
	Name string `json:"name"`
	UID  string `json:"uid"`
	Hash string `json:"hash"`
}

// RevisionDoc is one revision of `mayday history -o json`.
type RevisionDoc struct {
	// Revision is the number kubectl shows and --to-revision takes.
	Revision int64 `json:"revision"`
	// FormerRevisions are numbers this revision had before the
	// controller renumbered it (a rollback reuses the old ReplicaSet and
	// gives it a new number), oldest first.
	FormerRevisions []int64 `json:"formerRevisions"`
	// Current is true for the revision the workload's template matches.
	Current bool       `json:"current"`
	Created time.Time  `json:"created"`
	Images  []ImageDoc `json:"images"`
	// ChangeCause is the kubernetes.io/change-cause annotation ("" if unset).
	ChangeCause string `json:"changeCause"`
	// Ready and Desired count the pods of this revision now.
	Ready   int32     `json:"ready"`
	Desired int32     `json:"desired"`
	Source  SourceDoc `json:"source"`
	// Template is the revision's pod template; only `history --revision N`
	// includes it.
	Template *corev1.PodTemplateSpec `json:"template,omitempty"`
}

// StatusDoc is a rollout's progress. Phase is progressing, complete,
// failed or paused; the counts are replicas (pods).
type StatusDoc struct {
	Phase     string `json:"phase"`
	Message   string `json:"message"`
	Desired   int32  `json:"desired"`
	Updated   int32  `json:"updated"`
	Ready     int32  `json:"ready"`
	Available int32  `json:"available"`
	Total     int32  `json:"total"`
}

func statusDoc(s rollout.Status) StatusDoc {
	return StatusDoc{Phase: string(s.Phase), Message: s.Message, Desired: s.Desired, Updated: s.Updated,
		Ready: s.Ready, Available: s.Available, Total: s.Total}
}

// HistoryDoc is the document `mayday history -o json|yaml` prints.
type HistoryDoc struct {
	Kind     string      `json:"kind"` // always "History"
	Workload WorkloadDoc `json:"workload"`
	// CurrentRevision is 0 when no revision matches the template yet.
	CurrentRevision int64         `json:"currentRevision"`
	Paused          bool          `json:"paused"`
	Status          StatusDoc     `json:"status"`
	Revisions       []RevisionDoc `json:"revisions"` // oldest first
}

// NewHistoryDoc converts a history to its document form.
func NewHistoryDoc(h *rollout.History) HistoryDoc {
	d := HistoryDoc{Kind: "History", Workload: workloadDoc(h.Workload), CurrentRevision: h.Current,
		Paused: h.Paused, Status: statusDoc(h.Status), Revisions: []RevisionDoc{}}
	for i := range h.Revisions {
		d.Revisions = append(d.Revisions, NewRevisionDoc(&h.Revisions[i], false))
	}
	return d
}

// NewRevisionDoc converts one revision; withTemplate adds its pod template.
func NewRevisionDoc(r *rollout.Revision, withTemplate bool) RevisionDoc {
	d := RevisionDoc{
		Revision: r.Number, FormerRevisions: append([]int64{}, r.FormerNumbers...), Current: r.Current,
		Created: r.Created.UTC(), Images: []ImageDoc{}, ChangeCause: r.ChangeCause,
		Ready: r.Ready, Desired: r.Desired,
		Source: SourceDoc{Kind: r.Source.Kind, Name: r.Source.Name, UID: string(r.Source.UID), Hash: r.Source.Hash},
	}
	for _, img := range r.Images {
		d.Images = append(d.Images, ImageDoc{Container: img.Container, Image: img.Image, Init: img.Init})
	}
	if withTemplate && r.Template != nil {
		d.Template = r.Template.DeepCopy()
	}
	return d
}

// PrintHistory prints a history as a table: a title, one row per
// revision, and a legend. When the terminal is too narrow for one line per
// revision, the creation time and change-cause move to a second line.
func PrintHistory(w io.Writer, h *rollout.History, o Options) error {
	st := o.Styles()
	fmt.Fprintln(w, historyTitle(h, st))
	for _, l := range statusLines(h.Status, o.Width, st) {
		fmt.Fprintln(w, l)
	}
	fmt.Fprintln(w)
	if len(h.Revisions) == 0 {
		fmt.Fprintln(w, "no rollout history found")
		return nil
	}
	names := newImageNamer(h.Revisions)
	now := o.now()
	wide := &table{header: []string{" ", "REVISION", "AGE", "CREATED (UTC)", "READY", "IMAGES", "CHANGE-CAUSE"}}
	for i := range h.Revisions {
		r := &h.Revisions[i]
		wide.add(marker(r), r.Label(), age(r.Created, now), r.Created.UTC().Format("2006-01-02 15:04"),
			fmt.Sprintf("%d/%d", r.Ready, r.Desired), names.images(r.Images), orNone(textsafe.String(r.ChangeCause)))
	}
	total := 0
	for _, n := range wide.widths() {
		total += n + len(gap)
	}
	if o.Width == 0 || total-len(gap) <= o.Width {
		if err := wide.render(w, 0, -1, st); err != nil {
			return err
		}
	} else {
		narrowHistory(w, h, names, now, o)
	}
	fmt.Fprintln(w)
	legend := "* current revision"
	if h.Current == 0 {
		legend = "no revision matches the current template (a rollout is starting)"
	}
	fmt.Fprintln(w, st.Muted(fit(legend, o.Width)))
	for _, l := range names.legend() {
		fmt.Fprintln(w, st.Muted(fit(l, o.Width)))
	}
	return nil
}

// narrowHistory is the layout for narrow terminals: each revision's
// change-cause goes on a second line, under the revision's other columns.
func narrowHistory(w io.Writer, h *rollout.History, names imageNamer, now time.Time, o Options) {
	st := o.Styles()
	t := &table{header: []string{" ", "REVISION", "AGE", "CREATED (UTC)", "READY", "IMAGES"}}
	for i := range h.Revisions {
		r := &h.Revisions[i]
		t.add(marker(r), r.Label(), age(r.Created, now), r.Created.UTC().Format("2006-01-02 15:04"),
			fmt.Sprintf("%d/%d", r.Ready, r.Desired), names.images(r.Images))
	}
	widths := t.widths()
	indent := strings.Repeat(" ", widths[0]+len(gap)+2)
	var buf strings.Builder
	_ = t.render(&buf, o.Width, len(widths)-1, st)
	lines := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
	fmt.Fprintln(w, lines[0])
	for i, line := range lines[1:] {
		fmt.Fprintln(w, line)
		if cause := h.Revisions[i].ChangeCause; cause != "" {
			fmt.Fprintln(w, indent+st.Muted(fit(textsafe.String(cause), o.Width-len(indent))))
		}
	}
}

func historyTitle(h *rollout.History, st Styles) string {
	s := fmt.Sprintf("%s in namespace %s: %d revisions", textsafe.String(h.Workload.String()), textsafe.String(h.Workload.Namespace), len(h.Revisions))
	if h.Current > 0 {
		s += fmt.Sprintf(", current %d", h.Current)
	}
	if h.Paused {
		s += " (paused)"
	}
	return st.Bold(s)
}

// statusLines is the rollout status in words with a glyph, never colour
// only, and the counts: one line if it fits the width, else two.
func statusLines(s rollout.Status, width int, st Styles) []string {
	counts := fmt.Sprintf("updated %d, ready %d, available %d of %d", s.Updated, s.Ready, s.Available, s.Desired)
	msg := textsafe.String(s.Message)
	var glyph string
	var style func(string) string
	switch s.Phase {
	case rollout.PhaseComplete:
		glyph, style, msg = "✓ complete", st.Success, ""
	case rollout.PhaseFailed:
		glyph, style = "✗ failed", st.Danger
	case rollout.PhasePaused:
		glyph, style = "‖ paused", st.Warning
	default:
		glyph, style = "… progressing", st.Warning
	}
	if msg == "" {
		return []string{style(glyph) + ": " + counts}
	}
	one := glyph + ": " + msg + " (" + counts + ")"
	if width == 0 || runewidth.StringWidth(one) <= width {
		return []string{style(glyph) + ": " + msg + " (" + counts + ")"}
	}
	first := fit(glyph+": "+msg, width)
	return []string{style(glyph) + strings.TrimPrefix(first, glyph), "  " + counts}
}

func marker(r *rollout.Revision) string {
	if r.Current {
		return "*"
	}
	return " "
}

// age is kubectl's short age ("4m10s", "2d23h", "14d").
func age(t, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	d := now.Sub(t)
	if d < 0 {
		d = 0
	}
	return duration.HumanDuration(d)
}

// imageNamer shortens image references for tables: the registry and path
// shared by all revisions of a container are printed once in a legend,
// digests are cut to 8 hex digits (as git abbreviates). JSON keeps the full references.
type imageNamer struct {
	prefix map[string]string // container -> stripped prefix ("registry/path/")
}

func newImageNamer(revs []rollout.Revision) imageNamer {
	seen := map[string]map[string]bool{}
	for _, r := range revs {
		for _, img := range r.Images {
			key := containerKey(img)
			if seen[key] == nil {
				seen[key] = map[string]bool{}
			}
			seen[key][repoDir(img.Image)] = true
		}
	}
	n := imageNamer{prefix: map[string]string{}}
	for c, dirs := range seen {
		if len(dirs) == 1 {
			for d := range dirs {
				n.prefix[c] = d
			}
		}
	}
	return n
}

func containerKey(img rollout.ContainerImage) string {
	if img.Init {
		return "init:" + img.Container
	}
	return img.Container
}

// repoDir is everything up to and including the last "/" of the image
// name (before any tag or digest).
func repoDir(image string) string {
	name, _, _ := strings.Cut(image, "@")
	if i := strings.LastIndex(name, "/"); i >= 0 {
		return image[:i+1]
	}
	return ""
}

func (n imageNamer) short(img rollout.ContainerImage) string {
	s := strings.TrimPrefix(img.Image, n.prefix[containerKey(img)])
	if name, digest, ok := strings.Cut(s, "@sha256:"); ok && len(digest) > 8 {
		s = name + "@sha256:" + digest[:8]
	}
	return s
}

// images lists a revision's containers: just the image when the container
// is named after it, else container=image; init containers say so.
func (n imageNamer) images(imgs []rollout.ContainerImage) string {
	// Main containers first: when the column is cut, what is lost is
	// the init containers, not the application's image.
	ordered := slices.Clone(imgs)
	slices.SortStableFunc(ordered, func(a, b rollout.ContainerImage) int {
		switch {
		case a.Init == b.Init:
			return 0
		case b.Init:
			return -1
		}
		return 1
	})
	parts := make([]string, 0, len(imgs))
	for _, img := range ordered {
		s := n.short(img)
		base := s
		if i := strings.LastIndex(base, "/"); i >= 0 {
			base = base[i+1:]
		}
		base, _, _ = strings.Cut(base, "@")
		base, _, _ = strings.Cut(base, ":")
		if base != img.Container {
			s = img.Container + "=" + s
		}
		if img.Init {
			s = "init:" + s
		}
		parts = append(parts, textsafe.String(s))
	}
	return strings.Join(parts, " ")
}

// legend says which prefixes were left out of the IMAGES column, one
// line per prefix.
func (n imageNamer) legend() []string {
	byPrefix := map[string][]string{}
	for c, p := range n.prefix {
		if p != "" {
			byPrefix[p] = append(byPrefix[p], c)
		}
	}
	prefixes := make([]string, 0, len(byPrefix))
	for p := range byPrefix {
		prefixes = append(prefixes, p)
	}
	slices.Sort(prefixes)
	out := make([]string, 0, len(prefixes))
	for _, p := range prefixes {
		cs := byPrefix[p]
		slices.Sort(cs)
		out = append(out, "images of "+textsafe.String(strings.Join(cs, ", "))+" from "+textsafe.String(p))
	}
	return out
}

// PrintRevision prints one revision and its pod template as YAML.
func PrintRevision(w io.Writer, h *rollout.History, r *rollout.Revision, o Options) error {
	st := o.Styles()
	title := fmt.Sprintf("%s in namespace %s, revision %s", textsafe.String(h.Workload.String()), textsafe.String(h.Workload.Namespace), r.Label())
	if r.Current {
		title += " (current)"
	}
	fmt.Fprintln(w, st.Bold(title))
	fmt.Fprintf(w, "created:       %s (%s ago)\n", r.Created.UTC().Format(time.RFC3339), age(r.Created, o.now()))
	fmt.Fprintf(w, "change-cause:  %s\n", orNone(textsafe.String(r.ChangeCause)))
	fmt.Fprintf(w, "ready:         %d/%d\n", r.Ready, r.Desired)
	fmt.Fprintf(w, "recorded by:   %s %s\n", r.Source.Kind, textsafe.String(r.Source.Name))
	for _, img := range r.Images {
		kind := "container"
		if img.Init {
			kind = "init container"
		}
		fmt.Fprintf(w, "%-14s %s: %s\n", "image:", textsafe.String(kind+" "+img.Container), textsafe.String(img.Image))
	}
	if r.Template == nil {
		return nil
	}
	t := r.Template.DeepCopy()
	delete(t.Labels, rollout.PodTemplateHashKey)
	data, err := yaml.Marshal(t)
	if err != nil {
		return err
	}
	fmt.Fprintln(w, "\npod template:")
	for _, line := range strings.Split(strings.TrimSuffix(textsafe.Block(string(data)), "\n"), "\n") {
		fmt.Fprintln(w, "  "+line)
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "<none>"
	}
	return s
}
