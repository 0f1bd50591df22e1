package pickle

import (
	"os"
	"testing"

	"github.com/modelgate/modelgate/internal/benchdata"
)

// BenchmarkStateDict50k runs the machine over the data.pkl of a
// 50,000-tensor torch state dict (about 2.4 M opcodes).
func BenchmarkStateDict50k(b *testing.B) {
	data, err := os.ReadFile(benchdata.File(b, "statedict50k.pkl"))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		t := RunBytes(data, Options{})
		if t.Err != nil || len(t.Persistent) != 50000 {
			b.Fatalf("err=%v persistent=%d", t.Err, len(t.Persistent))
		}
	}
}

// BenchmarkSmallPickles measures per-stream overhead on a tiny pickle.
func BenchmarkSmallPickles(b *testing.B) {
	data := asm(PROTO, 4, EMPTY_DICT, MARK, sbu("a"), BININT1, 1, sbu("b"), global("collections", "OrderedDict"), EMPTY_TUPLE, REDUCE, SETITEMS, STOP)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		RunBytes(data, Options{})
	}
}
