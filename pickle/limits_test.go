package pickle

import (
	"bytes"
	"errors"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

// patternReader is an io.ReaderAt of size bytes that repeats prefix once
// and then body forever, so tests can feed gigabyte streams without
// holding them in memory.
type patternReader struct {
	prefix, body []byte
	size         int64
}

func (p *patternReader) ReadAt(b []byte, off int64) (int, error) {
	n := 0
	for n < len(b) && off < p.size {
		if off < int64(len(p.prefix)) {
			b[n] = p.prefix[off]
		} else {
			b[n] = p.body[(off-int64(len(p.prefix)))%int64(len(p.body))]
		}
		n++
		off++
	}
	if n < len(b) {
		return n, io.EOF
	}
	return n, nil
}

// bounded runs f and fails if it takes longer than d or if the live heap,
// sampled every millisecond, grows by more than maxHeap bytes.
func bounded(t *testing.T, d time.Duration, maxHeap uint64, f func() *Trace) *Trace {
	t.Helper()
	var base runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&base)
	done := make(chan struct{})
	peak := make(chan uint64)
	go func() {
		var p uint64
		tick := time.NewTicker(time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				peak <- p
				return
			case <-tick.C:
				var ms runtime.MemStats
				runtime.ReadMemStats(&ms)
				p = max(p, ms.HeapAlloc)
			}
		}
	}()
	start := time.Now()
	tr := f()
	el := time.Since(start)
	close(done)
	p := <-peak
	if el > d {
		t.Errorf("took %v, want under %v", el, d)
	}
	if p > base.HeapAlloc && p-base.HeapAlloc > maxHeap {
		t.Errorf("heap grew by %d bytes, want under %d", p-base.HeapAlloc, maxHeap)
	}
	return tr
}

func TestLimitsBombs(t *testing.T) {
	const mb = 1 << 20
	tests := []struct {
		name     string
		r        io.ReaderAt
		size     int64
		lim      Limits
		sentinel error
		sub      string
	}{
		{"billion opcodes of MARK POP", &patternReader{body: []byte("(0"), size: 2_000_000_000}, 2_000_000_000, Limits{}, ErrLimit, "MaxOps"},
		{"deep nesting", &patternReader{body: []byte("("), size: 1 << 30}, 1 << 30, Limits{}, ErrLimit, "MaxMarks"},
		{"huge BINBYTES8", bytes.NewReader(asm(PROTO, 4, BINBYTES8, u64(1<<62), "xx")), -1, Limits{}, ErrTruncated, "fewer remain"},
		{"BINUNICODE8 beyond ssize_t", bytes.NewReader(asm(PROTO, 4, BINUNICODE8, u64(1<<63+5))), -1, Limits{}, ErrInvalid, "exceeds system's maximum"},
		{"huge FRAME", bytes.NewReader(asm(PROTO, 4, FRAME, u64(1<<60), "N.")), -1, Limits{}, ErrTruncated, "FRAME declares"},
		{"BINSTRING 0xffffffff", bytes.NewReader(asm(PROTO, 1, BINSTRING, u32(0xffffffff), "ab")), -1, Limits{}, ErrTruncated, "fewer remain"},
		{"long text line", &patternReader{prefix: []byte("c"), body: []byte("a"), size: 1 << 30}, 1 << 30, Limits{}, ErrLimit, "MaxLine"},
		{"memo flood", &patternReader{prefix: []byte("\x80\x04N"), body: []byte{byte(MEMOIZE)}, size: 1 << 30}, 1 << 30, Limits{}, ErrLimit, "MaxMemo"},
		{"sparse memo puts", &patternReader{prefix: []byte("\x80\x02N"), body: memoPuts(), size: 1 << 30}, 1 << 30, Limits{}, ErrLimit, "MaxMemo"},
		{"stack flood", &patternReader{body: []byte("N"), size: 1 << 30}, 1 << 30, Limits{}, ErrLimit, "MaxStack"},
		{"self-appending list", &patternReader{prefix: []byte("\x80\x02]"), body: []byte("22aa"), size: 1 << 30}, 1 << 30, Limits{MaxOps: 10_000_000}, ErrLimit, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			size := tc.size
			if size < 0 {
				size = tc.r.(*bytes.Reader).Size()
			}
			tr := bounded(t, 20*time.Second, 256*mb, func() *Trace { return Run(tc.r, size, Options{Limits: tc.lim}) })
			if !errors.Is(tr.Err, tc.sentinel) {
				t.Fatalf("err = %v, want %v", tr.Err, tc.sentinel)
			}
			if tc.sub != "" && !strings.Contains(tr.Err.Error(), tc.sub) {
				t.Errorf("err = %v, want it to mention %q", tr.Err, tc.sub)
			}
			if tr.End > size || tr.End < 0 {
				t.Errorf("End = %d outside input of %d bytes", tr.End, size)
			}
		})
	}
}

// memoPuts returns LONG_BINPUTs at 2 Mi distinct sparse indices above 2^31.
func memoPuts() []byte {
	var b []byte
	for i := uint32(0); i < 1<<21; i++ {
		b = append(b, byte(LONG_BINPUT))
		b = append(b, u32(0x80000000+i*2047)...)
	}
	return b
}

func TestMemoIndex2To31(t *testing.T) {
	data := asm(PROTO, 2, sbu("os"), LONG_BINPUT, u32(1<<31), POP, LONG_BINGET, u32(1<<31), STOP)
	tr := RunBytes(data, Options{})
	if tr.Err != nil || tr.Pickles != 1 {
		t.Fatalf("pickles=%d err=%v", tr.Pickles, tr.Err)
	}
}

func TestRenderIsBoundedOnCycles(t *testing.T) {
	// A list that contains itself, appended many times.
	data := asm(PROTO, 2, global("os", "system"), EMPTY_LIST, strings.Repeat("2a", 1000), TUPLE1, REDUCE, STOP)
	tr := RunBytes(data, Options{})
	if len(tr.Calls) != 1 {
		t.Fatalf("calls = %d (err %v)", len(tr.Calls), tr.Err)
	}
	s := RenderCall(tr.Calls[0], RenderOptions{MaxLen: 300})
	if len(s) > 310+len("…") {
		t.Errorf("render length %d: %s", len(s), s)
	}
}
