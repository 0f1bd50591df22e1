package scan

import (
	"github.com/modelgate/modelgate/finding"
)

// Status is the outcome of scanning one file.
type Status string

// Statuses. Only StatusClean means the file was read to the end and nothing
// at or above the reporting threshold was found.
const (
	StatusClean      Status = "clean"      // fully scanned, no findings
	StatusFindings   Status = "findings"   // fully scanned, findings reported
	StatusIncomplete Status = "incomplete" // could not be scanned to the end (parse error, limit); never clean
	StatusError      Status = "error"      // could not be read at all (I/O)
	StatusSkipped    Status = "skipped"    // not a format modelgate reads, and not a pickle any loader would run
)

// FileResult is what scanning one file found.
type FileResult struct {
	Path     string            `json:"path"`
	Format   string            `json:"format"` // e.g. "pickle", "joblib+zlib"
	Size     int64             `json:"size"`
	Status   Status            `json:"status"`
	Findings []finding.Finding `json:"findings"`
	// Errors says why the scan is incomplete or failed, with offsets.
	Errors []string `json:"errors,omitempty"`
	// Imports lists every import the file's pickles request, deduplicated,
	// as "module.name".
	Imports []string `json:"imports,omitempty"`
	// Tensors is the inventory of a PyTorch checkpoint: every tensor its
	// pickle rebuilds, with the storage it reads.
	Tensors []Tensor `json:"tensors,omitempty"`
}

// Tensor is one tensor a PyTorch checkpoint rebuilds from a storage.
type Tensor struct {
	Name         string  `json:"name,omitempty"` // state-dict key path, e.g. "layer.0.weight"
	Member       string  `json:"member"`         // the pickle that rebuilds it
	Dtype        string  `json:"dtype"`          // e.g. "float32"; "" when unknown
	Shape        []int64 `json:"shape"`
	StorageKey   string  `json:"storage_key"`
	StorageBytes int64   `json:"storage_bytes"` // bytes the persistent id needs; -1 when unknown
	Present      bool    `json:"present"`       // the storage record exists and is large enough
}

// Result is the outcome of a scan over one or more paths.
type Result struct {
	Files         []FileResult   `json:"files"`
	PolicyVersion string         `json:"policy_version"`
	Rules         []finding.Rule `json:"-"` // metadata of every rule that can fire
}

// Max returns the highest severity among all findings (SeverityNone if none).
func (r *Result) Max() finding.Severity {
	max := finding.SeverityNone
	for _, f := range r.Files {
		for _, x := range f.Findings {
			if x.Severity > max {
				max = x.Severity
			}
		}
	}
	return max
}

// Incomplete reports whether any file could not be fully scanned.
func (r *Result) Incomplete() bool {
	for _, f := range r.Files {
		if f.Status == StatusIncomplete || f.Status == StatusError {
			return true
		}
	}
	return false
}
