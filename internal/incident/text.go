package incident

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/mayday-tui/mayday/internal/textsafe"
)

// TextOptions control the plain-text listings.
type TextOptions struct {
	// Location is the time zone times are shown in (nil: UTC).
	Location *time.Location
	Now      time.Time
}

func (o TextOptions) time(t time.Time) string {
	loc := o.Location
	if loc == nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2006-01-02 15:04:05 MST")
}

// WriteList prints incidents as a table.
func WriteList(w io.Writer, list []Listed, o TextOptions) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSTATUS\tSEVERITY\tOWNER\tOPENED\tACTIONS\tTITLE")
	for _, l := range list {
		if l.Err != nil {
			fmt.Fprintf(tw, "%s\tunreadable\t\t\t\t\t%s\n", textsafe.String(l.ID), textsafe.String(l.Err.Error()))
			continue
		}
		status := string(l.Status)
		if l.Pending > 0 {
			status += fmt.Sprintf(" (%d outcome unknown)", l.Pending)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%d\t%s\n", textsafe.String(l.ID), status, dash(textsafe.String(l.Severity)),
			textsafe.String(l.Owner), o.time(l.Opened), l.Actions, textsafe.String(l.Title))
	}
	return tw.Flush()
}

// WriteShow prints an incident's header and its timeline.
func WriteShow(w io.Writer, inc Incident, entries []Entry, o TextOptions) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s\n", textsafe.String(inc.ID), textsafe.String(inc.Title))
	fmt.Fprintf(&b, "status    %s", inc.Status)
	if inc.Status == StatusClosed {
		fmt.Fprintf(&b, " at %s", o.time(inc.Closed))
		if inc.Resolution != "" {
			fmt.Fprintf(&b, ": %s", textsafe.String(inc.Resolution))
		}
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "severity  %s\nowner     %s\nopened    %s on %s\n", dash(textsafe.String(inc.Severity)),
		textsafe.String(inc.Owner), o.time(inc.Opened), dash(textsafe.String(inc.Host)))
	if len(inc.Workloads) > 0 {
		var ws []string
		for _, x := range inc.Workloads {
			ws = append(ws, textsafe.String(x.String()))
		}
		fmt.Fprintf(&b, "workloads %s\n", strings.Join(ws, ", "))
	}
	unknown := 0
	for _, e := range entries {
		if e.Unknown {
			unknown++
		}
	}
	if unknown > 0 {
		fmt.Fprintf(&b, "unknown   %d action(s) with outcome unknown: the process stopped before recording the result; check the workloads\n", unknown)
	}
	b.WriteString("\n")
	if _, err := io.WriteString(w, b.String()); err != nil {
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "#\tTIME\tTYPE\tACTOR\tWHAT")
	for _, e := range entries {
		mark := ""
		if e.Unknown {
			mark = "? "
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s%s\n", e.Seq, o.time(e.Time), e.Type, textsafe.String(e.Actor), mark, textsafe.String(e.Text))
	}
	return tw.Flush()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
