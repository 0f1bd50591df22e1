package report

import (
	"encoding/json"
	"io"
	"slices"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/scan"
)

// JSONSchemaVersion is the schema_version of JSON reports. It changes
// only when a field is removed, renamed or changes meaning; adding a field
// does not change it. The schema is documented in the package doc.
const JSONSchemaVersion = 1

// The structs below are the JSON schema. They are defined here rather
// than reusing the scan and finding types' tags, so a change in those
// packages cannot change the report format by accident. Field order is
// output order.

type jsonReport struct {
	SchemaVersion int        `json:"schema_version"`
	Tool          jsonTool   `json:"tool"`
	PolicyVersion string     `json:"policy_version"`
	Summary       Summary    `json:"summary"`
	Files         []jsonFile `json:"files"`
	Rules         []jsonRule `json:"rules"`
}

type jsonTool struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
}

type jsonFile struct {
	Path     string        `json:"path"`
	Format   string        `json:"format"`
	Size     int64         `json:"size"`
	Status   scan.Status   `json:"status"`
	Findings []jsonFinding `json:"findings"`
	Errors   []string      `json:"errors"`
	Imports  []string      `json:"imports"`
	Tensors  []scan.Tensor `json:"tensors,omitempty"`
}

type jsonFinding struct {
	Rule        string           `json:"rule"`
	Severity    finding.Severity `json:"severity"`
	Message     string           `json:"message"`
	Location    jsonLocation     `json:"location"`
	Evidence    jsonEvidence     `json:"evidence"`
	Fingerprint string           `json:"fingerprint"`
}

type jsonLocation struct {
	Path   string `json:"path"`
	Member string `json:"member,omitempty"`
	Offset int64  `json:"offset"`
	Line   int    `json:"line,omitempty"`
	Column int    `json:"column,omitempty"`
}

type jsonEvidence struct {
	Opcode string `json:"opcode,omitempty"`
	Global string `json:"global,omitempty"`
	Call   string `json:"call,omitempty"`
	Detail string `json:"detail,omitempty"`
}

type jsonRule struct {
	ID       string           `json:"id"`
	Title    string           `json:"title"`
	Severity finding.Severity `json:"severity"`
	Why      string           `json:"why"`
	Fix      string           `json:"fix"`
	Tags     []string         `json:"tags"`
}

func writeJSON(w io.Writer, r *scan.Result, opts Options) error {
	rep := jsonReport{
		SchemaVersion: JSONSchemaVersion,
		Tool:          jsonTool{Name: toolName, Version: opts.ToolVersion},
		PolicyVersion: r.PolicyVersion,
		Summary:       Summarize(r),
		Files:         make([]jsonFile, 0, len(r.Files)),
		Rules:         []jsonRule{},
	}
	fired := map[string]bool{}
	for _, f := range r.Files {
		rep.Files = append(rep.Files, toJSONFile(f, opts.BaseDir))
		for _, x := range f.Findings {
			fired[x.RuleID] = true
		}
	}
	for _, rule := range ruleSet(r) {
		if fired[rule.ID] {
			rep.Rules = append(rep.Rules, toJSONRule(rule))
		}
	}
	return encodeJSON(w, rep)
}

func toJSONFile(f scan.FileResult, baseDir string) jsonFile {
	jf := jsonFile{
		Path:     f.Path,
		Format:   f.Format,
		Size:     f.Size,
		Status:   f.Status,
		Findings: make([]jsonFinding, 0, len(f.Findings)),
		Errors:   nonNil(f.Errors),
		Imports:  nonNil(f.Imports),
		Tensors:  f.Tensors,
	}
	for _, x := range f.Findings {
		jf.Findings = append(jf.Findings, jsonFinding{
			Rule:     x.RuleID,
			Severity: x.Severity,
			Message:  x.Message,
			Location: jsonLocation{
				Path:   x.Location.Path,
				Member: x.Location.Member,
				Offset: x.Location.Offset,
				Line:   x.Location.Line,
				Column: x.Location.Column,
			},
			Evidence:    jsonEvidence(x.Evidence),
			Fingerprint: Fingerprint(x, baseDir),
		})
	}
	return jf
}

func toJSONRule(r finding.Rule) jsonRule {
	return jsonRule{
		ID:       r.ID,
		Title:    r.Title,
		Severity: r.Severity,
		Why:      r.Why,
		Fix:      r.Fix,
		Tags:     nonNil(r.Tags),
	}
}

// nonNil returns a copy of s that encodes as [] rather than null when
// empty, so consumers never have to tell the two apart.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return slices.Clone(s)
}

// encodeJSON writes v indented, without HTML escaping (rendered calls such
// as "a && b" stay readable), with a final newline.
func encodeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}
