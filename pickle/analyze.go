package pickle

import (
	"io"
)

// Analyze runs the stream under every reading of it that a victim's loader
// could make and merges what they saw, so that no interpretation can hide
// an import from the report:
//
//   - the C unpickler over one buffer (pickle.loads), always;
//   - the C unpickler over a file object, when the stream has a frame that
//     an opcode straddles (the two readings then differ);
//   - joblib's pure-Python NumpyUnpickler, when the stream contains a
//     joblib NumpyArrayWrapper (the C reading then stops at the first
//     inline array, which is expected and not reported as an error) or
//     when the C reading fails (the pure-Python one may read further).
//
// The returned trace is the primary reading (joblib's when it applies,
// else the C buffer reading) with the events of the other readings that it
// lacks appended, and an AnomalyDialectDiffers anomaly naming them.
func Analyze(r io.ReaderAt, size int64, opts Options) *Trace {
	base := opts
	base.Dialect, base.FileInput, base.Joblib = DialectC, false, false
	primary := Run(r, size, base)
	var others []*Trace
	if hasJoblibWrapper(primary) || primary.Err != nil {
		// joblib.load reads with its own pure-Python unpickler; a stream the
		// C unpickler rejects early may still run under it.
		jo := opts
		jo.Dialect, jo.FileInput, jo.Joblib, jo.NoPersistentLoad = DialectPython, false, true, true
		jt := Run(r, size, jo)
		if hasJoblibWrapper(primary) || hasJoblibWrapper(jt) {
			others = append(others, primary)
			primary = jt
		} else {
			others = append(others, jt)
		}
	}
	if straddles(primary) || (len(others) > 0 && straddles(others[0])) {
		fo := base
		fo.FileInput = true
		others = append(others, Run(r, size, fo))
	}
	for _, o := range others {
		merge(primary, o)
	}
	return primary
}

func hasJoblibWrapper(t *Trace) bool {
	for _, im := range t.Imports {
		if im.Module == "joblib.numpy_pickle" && im.Name == "NumpyArrayWrapper" {
			return true
		}
	}
	return false
}

func straddles(t *Trace) bool {
	for _, a := range t.Anomalies {
		if a.Kind == AnomalyFrameStraddle {
			return true
		}
	}
	return false
}

// merge appends to dst the imports, calls, mutations and dynamic globals of
// src that dst does not have (compared by offset and identity).
func merge(dst, src *Trace) {
	type key struct {
		off  int64
		a, b string
	}
	seen := map[key]bool{}
	for _, im := range dst.Imports {
		seen[key{im.Offset, im.RawModule, im.RawName}] = true
	}
	added := 0
	for _, im := range src.Imports {
		if !seen[key{im.Offset, im.RawModule, im.RawName}] {
			dst.Imports = append(dst.Imports, im)
			added++
		}
	}
	calls := map[key]bool{}
	for _, c := range dst.Calls {
		calls[key{c.Offset, c.Kind.String(), ""}] = true
	}
	for _, c := range src.Calls {
		if !calls[key{c.Offset, c.Kind.String(), ""}] {
			dst.Calls = append(dst.Calls, c)
			added++
		}
	}
	muts := map[key]bool{}
	for _, mu := range dst.Mutations {
		muts[key{mu.Offset, mu.Target.Path(), ""}] = true
	}
	for _, mu := range src.Mutations {
		if !muts[key{mu.Offset, mu.Target.Path(), ""}] {
			dst.Mutations = append(dst.Mutations, mu)
			added++
		}
	}
	dyn := map[int64]bool{}
	for _, d := range dst.Dynamic {
		dyn[d.Offset] = true
	}
	for _, d := range src.Dynamic {
		if !dyn[d.Offset] {
			dst.Dynamic = append(dst.Dynamic, d)
			added++
		}
	}
	if added > 0 {
		dst.Anomalies = append(dst.Anomalies, Anomaly{Kind: AnomalyDialectDiffers, Offset: 0,
			Detail: "another loader's reading of this stream runs code this reading does not"})
	}
}
