package decide

import (
	"fmt"
	"strings"

	"github.com/mayday-tui/mayday/internal/yamlfields"
)

// validate checks the policy as a graph: the start, every reference, that
// every node is reachable, that no answer leads back to an earlier
// question, and that an outcome's image target is asked on every way to
// it. Default nodes an extension leaves unreachable are dropped rather
// than reported.
func (p *Policy) validate(file string, startLine int, inherited map[string]bool, ps *problems) {
	startOK := false
	switch n, ok := p.nodes[p.start]; {
	case p.start == "":
		ps.add(file, startLine, "start", "missing: name the first question")
	case !ok:
		ps.add(file, startLine, "start", "unknown node %q%s", p.start, p.suggest(p.start))
	case n.q == nil:
		ps.add(file, startLine, "start", "%q is an outcome: start at a question", p.start)
	default:
		startOK = true
	}
	p.checkReferences(ps)
	if !startOK {
		return
	}
	reach, _ := p.walk(p.start, "")
	kept := p.order[:0:0]
	for _, id := range p.order {
		n := p.nodes[id]
		switch {
		case reach[id]:
			kept = append(kept, id)
		case inherited[id]:
			delete(p.nodes, id)
		default:
			ps.add(n.file, n.line, n.field(""), "unreachable: no answer leads here from start %q", p.start)
			kept = append(kept, id)
		}
	}
	p.order = kept
	p.checkCycles(ps)
	p.checkTargetsAsked(ps, reach)
}

func (p *Policy) suggest(id string) string {
	if s := yamlfields.Closest(id, p.order); s != "" {
		return fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ""
}

func (p *Policy) question(id string) *question {
	if n, ok := p.nodes[id]; ok {
		return n.q
	}
	return nil
}

func edgeField(n *node, e edge) string {
	if n.q.typ == Text {
		return n.field("next")
	}
	return n.field("answers." + e.answer)
}

func (p *Policy) checkReferences(ps *problems) {
	for _, id := range p.order {
		n := p.nodes[id]
		if q := n.q; q != nil {
			for _, e := range q.edges {
				if _, ok := p.nodes[e.to]; !ok {
					ps.add(n.file, e.line, edgeField(n, e), "unknown node %q%s", e.to, p.suggest(e.to))
				}
			}
			continue
		}
		o := n.o
		if qid, ok := strings.CutPrefix(o.target, targetAnswerPrefix); ok && o.action == Rollforward {
			switch q := p.question(qid); {
			case q == nil:
				ps.add(n.file, o.targetLine, n.field("target"), "unknown question %q%s", qid, p.suggest(qid))
			case q.typ != Text:
				ps.add(n.file, o.targetLine, n.field("target"), "%q is a %s question: the image comes from a text question", qid, q.typ)
			}
		}
		for _, group := range []struct {
			name  string
			lines []line
		}{{"reasons", o.reasons}, {"risks", o.risks}} {
			for i, l := range group.lines {
				field := n.field(fmt.Sprintf("%s[%d]", group.name, i))
				for _, c := range l.when {
					q := p.question(c.id)
					if q == nil {
						ps.add(n.file, c.line, field+".when", "unknown question %q%s", c.id, p.suggest(c.id))
						continue
					}
					if q.typ == Text || q.typ == "" {
						ps.add(n.file, c.line, field+".when", "%q is a %s question: a condition needs a question with fixed answers", c.id, q.typ)
						continue
					}
					if _, err := q.normalize(c.value); err != nil {
						ps.add(n.file, c.line, field+".when", "%v", err)
					}
				}
				for _, pt := range l.parts {
					if qid, ok := strings.CutPrefix(pt.ph, "answer:"); ok && p.question(qid) == nil {
						ps.add(n.file, l.line, field, "{answer:%s}: unknown question%s", qid, p.suggest(qid))
					}
				}
			}
		}
	}
	// Conditions compare canonical answers.
	for _, id := range p.order {
		if o := p.nodes[id].o; o != nil {
			canonicalConds(p, o.reasons)
			canonicalConds(p, o.risks)
		}
	}
}

func canonicalConds(p *Policy, lines []line) {
	for i := range lines {
		for j := range lines[i].when {
			c := &lines[i].when[j]
			if q := p.question(c.id); q != nil {
				if v, err := q.normalize(c.value); err == nil && v != c.value {
					c.value = v // only in the file being read: inherited nodes are canonical
				}
			}
		}
	}
}

// walk lists the nodes reachable from start without passing through
// avoid, with the node each was first reached from.
func (p *Policy) walk(start, avoid string) (map[string]bool, map[string]string) {
	reach := map[string]bool{start: true}
	from := map[string]string{}
	queue := []string{start}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		n, ok := p.nodes[id]
		if !ok || n.q == nil {
			continue
		}
		for _, e := range n.q.edges {
			if e.to == avoid || reach[e.to] {
				continue
			}
			if _, ok := p.nodes[e.to]; !ok {
				continue
			}
			reach[e.to] = true
			from[e.to] = id
			queue = append(queue, e.to)
		}
	}
	return reach, from
}

// checkCycles reports every answer that leads back to a question already
// on the way.
func (p *Policy) checkCycles(ps *problems) {
	const (
		unseen = iota
		onPath
		done
	)
	state := map[string]int{}
	var stack []string
	var visit func(id string)
	visit = func(id string) {
		n, ok := p.nodes[id]
		if !ok || n.q == nil {
			state[id] = done
			return
		}
		state[id] = onPath
		stack = append(stack, id)
		for _, e := range n.q.edges {
			switch state[e.to] {
			case onPath:
				i := len(stack) - 1
				for stack[i] != e.to {
					i--
				}
				cycle := append(append([]string{}, stack[i:]...), e.to)
				ps.add(n.file, e.line, edgeField(n, e), "cycle: %s", strings.Join(cycle, " → "))
			case unseen:
				visit(e.to)
			}
		}
		stack = stack[:len(stack)-1]
		state[id] = done
	}
	for _, id := range p.order {
		if state[id] == unseen {
			visit(id)
		}
	}
}

// checkTargetsAsked reports an outcome whose image comes from a question
// that some way to the outcome does not ask.
func (p *Policy) checkTargetsAsked(ps *problems, reach map[string]bool) {
	for _, id := range p.order {
		n := p.nodes[id]
		if n.o == nil || !reach[id] || n.o.action != Rollforward {
			continue
		}
		qid, _ := strings.CutPrefix(n.o.target, targetAnswerPrefix)
		if q := p.question(qid); q == nil || q.typ != Text || qid == p.start {
			continue
		}
		avoiding, from := p.walk(p.start, qid)
		if !avoiding[id] {
			continue
		}
		way := []string{id}
		for at := id; at != p.start; {
			at = from[at]
			way = append([]string{at}, way...)
		}
		ps.add(n.file, n.o.targetLine, n.field("target"), "%s is not asked on every way here (%s)", qid, strings.Join(way, " → "))
	}
}
