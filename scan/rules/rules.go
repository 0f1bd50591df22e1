// Package rules defines the interface every scan rule implements and the
// context a rule sees. Each rule lives in its own subpackage; the explicit
// registry is rules/list.
package rules

import (
	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/policy"
)

// Rule turns what the pickle machine saw into findings.
type Rule interface {
	// Meta returns the rule's advice: ID, title, why, fix, default severity.
	Meta() finding.Rule
	// Check returns the rule's findings for one pickle stream.
	Check(c *Context) []finding.Finding
}

// Context is one analysed stream: a pickle (Trace is set) or a container
// (Container is set). Rules look at the half they understand.
type Context struct {
	Trace     *pickle.Trace
	Container *Container
	Policy    *policy.Policy
	Location  finding.Location // Path and Member of the stream; Offset is set per finding
	Format    string           // e.g. "pickle", "joblib", "torch-zip"
}

// Container is what the engine learned about a container it opened.
type Container struct {
	Kind        string // "zip", "torch-zip", "torchscript", "npz", "tar", "npy", "torch-legacy"
	Anomalies   []ContainerAnomaly
	TorchScript bool             // a TorchScript archive (constants.pkl present)
	Code        []string         // TorchScript code members
	Storages    []StorageProblem // storages missing or shorter than their persistent ids need
	ObjectArray bool             // an .npy whose data is a pickle
	// ExtensionSays is the format the file name suggests when the content
	// is something else ("" when they agree or the name says nothing).
	ExtensionSays string
	// Escapes lists symbolic links that point outside the scan root.
	Escapes []Escape
}

// ContainerAnomaly is one structural oddity of a container, such as a zip
// entry whose CRC does not match.
type ContainerAnomaly struct {
	Kind   string
	Member string
	Offset int64
	Detail string
}

// StorageProblem is a tensor storage that does not match its persistent id.
type StorageProblem struct {
	Key    string
	Member string // the record the loader reads ("" if none)
	Want   int64  // bytes the persistent id needs
	Have   int64  // bytes present; -1 when the record is missing
	Offset int64  // offset of the persistent id in the pickle
}

// Escape is a symbolic link whose target lies outside the scan root.
type Escape struct {
	Path, Target string
}

// New builds a finding of rule r at offset, with the policy's severity.
func (c *Context) New(r Rule, offset int64, msg string, ev finding.Evidence) finding.Finding {
	meta := r.Meta()
	loc := c.Location
	loc.Offset = offset
	sev := meta.Severity
	if c.Policy != nil {
		sev = c.Policy.Severity(meta.ID, sev)
	}
	return finding.Finding{RuleID: meta.ID, Severity: sev, Message: msg, Location: loc, Evidence: ev}
}

// RenderOptions is how rules render values in evidence.
var RenderOptions = pickle.RenderOptions{MaxLen: 240, MaxDepth: 5, MaxItems: 6}

// CallsByImport indexes the calls of a trace by the import they resolve
// to, so import rules can show the call that uses an import.
func CallsByImport(t *pickle.Trace) map[string][]*pickle.Call {
	out := map[string][]*pickle.Call{}
	for _, c := range t.Calls {
		if c.Kind == pickle.CallSetState || c.Kind == pickle.CallMethod {
			continue
		}
		if g, ok := c.Callee.(*pickle.Global); ok {
			out[g.Path()] = append(out[g.Path()], c)
		}
	}
	return out
}

// FirstImports returns each distinct import path once, at its first
// occurrence, with how many times the stream requests it.
func FirstImports(t *pickle.Trace) ([]pickle.Import, map[string]int) {
	var first []pickle.Import
	count := map[string]int{}
	for _, im := range t.Imports {
		if im.Module == pickle.ExtModule {
			continue
		}
		p := im.Path()
		if count[p] == 0 {
			first = append(first, im)
		}
		count[p]++
	}
	return first, count
}

// ImportFindings reports every distinct import the policy classifies under
// the rule's ID, with the call that uses it as evidence when there is one.
// It serves both import rules (denied and unlisted).
func ImportFindings(c *Context, r Rule) []finding.Finding {
	if c.Policy == nil || c.Trace == nil {
		return nil
	}
	id := r.Meta().ID
	calls := CallsByImport(c.Trace)
	first, count := FirstImports(c.Trace)
	var out []finding.Finding
	for _, im := range first {
		d := c.Policy.CheckImport(im.Module, im.Name)
		if d.Allowed || d.RuleID != id {
			continue
		}
		p := im.Path()
		ev := finding.Evidence{Opcode: im.Op.String(), Global: p, Detail: d.Reason}
		if d.Match != "" {
			ev.Detail += " [" + d.Match + "]"
		}
		msg := "imports " + p + ": " + d.Reason
		if cs := calls[p]; len(cs) > 0 {
			ev.Call = pickle.RenderCall(cs[0], RenderOptions)
			msg = "calls " + ev.Call + ": " + d.Reason
			if len(cs) > 1 {
				ev.Detail += " (" + itoa(len(cs)) + " calls)"
			}
		}
		if count[p] > 1 {
			ev.Detail += " (imported " + itoa(count[p]) + " times)"
		}
		f := c.New(r, im.Offset, msg, ev)
		if d.Severity != finding.SeverityNone && c.Policy.Severity(id, finding.SeverityNone) == finding.SeverityNone {
			f.Severity = d.Severity
		}
		out = append(out, f)
	}
	return out
}

func itoa(n int) string {
	const digits = "0123456789"
	if n == 0 {
		return "0"
	}
	var b []byte
	for n > 0 {
		b = append([]byte{digits[n%10]}, b...)
		n /= 10
	}
	return string(b)
}

// AnomalyFindings reports the trace's anomalies of the given kinds, one
// finding per kind and pickle (the first occurrence, with a count).
func AnomalyFindings(c *Context, r Rule, kinds ...pickle.AnomalyKind) []finding.Finding {
	if c.Trace == nil {
		return nil
	}
	want := map[pickle.AnomalyKind]bool{}
	for _, k := range kinds {
		want[k] = true
	}
	type key struct {
		k pickle.AnomalyKind
		s int
	}
	idx := map[key]int{}
	n := map[key]int{}
	var out []finding.Finding
	for _, a := range c.Trace.Anomalies {
		if !want[a.Kind] {
			continue
		}
		k := key{a.Kind, a.Stream}
		n[k]++
		if _, ok := idx[k]; ok {
			continue
		}
		idx[k] = len(out)
		out = append(out, c.New(r, a.Offset, string(a.Kind)+": "+a.Detail, finding.Evidence{}))
	}
	for k, i := range idx {
		if n[k] > 1 {
			out[i].Evidence.Detail = "seen " + itoa(n[k]) + " times"
		}
	}
	return out
}
