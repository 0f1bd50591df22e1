package pickle

import (
	"bytes"
	"io"
)

// Dialect selects which CPython unpickler the machine imitates.
type Dialect uint8

const (
	// DialectC is CPython's C unpickler (_pickle), used by pickle.load,
	// pickle.loads and torch.load.
	DialectC Dialect = iota
	// DialectPython is the pure-Python unpickler (pickle._Unpickler), which
	// joblib's NumpyUnpickler extends.
	DialectPython
)

// Options configures one run of the machine.
type Options struct {
	Limits  Limits
	Dialect Dialect
	// FileInput says the victim reads from a file object without peek
	// (io.BytesIO, a zip member): with DialectC a read that crosses the end
	// of a frame then skips the rest of the frame, as _pickle.c does.
	// Without it the input is one buffer, as with pickle.loads.
	FileInput bool
	// Joblib makes BUILD on a joblib NumpyArrayWrapper read the inline array
	// that follows it, as joblib's NumpyUnpickler does.
	Joblib bool
	// Single stops after the first pickle. By default the machine reads
	// further pickles back to back until the data ends, and reports bytes
	// that do not form one as trailing data.
	Single bool
	// NoPersistentLoad makes persistent ids fail, as they do for loaders
	// without a persistent_load hook (pickle.load, joblib.load). Without it
	// the machine assumes a hook (torch.load has one) and keeps going.
	NoPersistentLoad bool
	// Streams, when positive, stops cleanly after that many pickles, for
	// formats that put other data after a known number of pickles (the
	// legacy torch.save stream has five, then raw storages).
	Streams int
}

// Run executes the stream in r (of the given size) on the symbolic machine
// with one set of options and returns what it saw. It never returns nil;
// when the stream stops early Trace.Err says where and why.
func Run(r io.ReaderAt, size int64, opts Options) *Trace {
	return run(newInput(r, size), opts)
}

// RunBytes is Run over an in-memory stream.
func RunBytes(b []byte, opts Options) *Trace {
	return Run(bytes.NewReader(b), int64(len(b)), opts)
}
