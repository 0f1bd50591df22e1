// Package nestedpickle reports bytes handed to a pickle loader inside a
// pickle, and extracts them so the engine can scan them as pickles of
// their own.
package nestedpickle

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/modelgate/modelgate/finding"
	"github.com/modelgate/modelgate/pickle"
	"github.com/modelgate/modelgate/scan/rules"
)

// Rule is the pickle-nested-pickle rule.
type Rule struct{}

var _ rules.Rule = Rule{}

// Meta implements rules.Rule.
func (Rule) Meta() finding.Rule {
	return finding.Rule{
		ID:       "pickle-nested-pickle",
		Title:    "Pickle unpickles another pickle while loading",
		Why:      "The stream passes bytes to a loader (pickle.loads, torch.load, joblib.load, ...), which unpickles them with no restriction the outer loader might have, such as torch's weights_only. Scanners that do not look inside the bytes miss the inner payload; modelgate scans it and reports its findings under the member nested@OFFSET.",
		Fix:      "Do not load this file.",
		Severity: finding.SeverityCritical,
		Tags:     []string{"security", "pickle", "nested"},
	}
}

// Loaders are the callables that unpickle their first argument (bytes, or
// a file object wrapping bytes).
var Loaders = map[string]bool{
	"pickle.loads": true, "pickle.load": true, "_pickle.loads": true, "_pickle.load": true,
	"pickle._loads": true, "pickle._load": true, "cPickle.loads": true,
	"dill.loads": true, "dill.load": true, "dill._dill.loads": true,
	"cloudpickle.loads": true, "cloudpickle.load": true,
	"joblib.load": true, "joblib.numpy_pickle.load": true,
	"torch.load": true, "torch.serialization.load": true,
	"torch.storage._load_from_bytes": true,
	"numpy.load":                     true, "numpy.lib.npyio.load": true,
	"pandas.read_pickle": true, "pandas.io.pickle.read_pickle": true,
}

// IsLoader reports whether the call unpickles its argument.
func IsLoader(c *pickle.Call) bool {
	if c.Kind != pickle.CallReduce && c.Kind != pickle.CallNewObj && c.Kind != pickle.CallObj && c.Kind != pickle.CallInst {
		return false
	}
	g, ok := c.Callee.(*pickle.Global)
	return ok && Loaders[g.Path()]
}

// Payload returns the bytes a loader call unpickles, when the stream makes
// them constant: a bytes or str argument, possibly wrapped in io.BytesIO,
// base64/hex decoding or _codecs.encode(s, 'latin1').
func Payload(c *pickle.Call) (pickle.Bytes, bool) {
	args, ok := c.Args.(*pickle.Tuple)
	if !ok || len(args.Items) == 0 {
		return pickle.Bytes{}, false
	}
	return fold(args.Items[0], 0)
}

func fold(v pickle.Value, depth int) (pickle.Bytes, bool) {
	if depth > 8 {
		return pickle.Bytes{}, false
	}
	switch t := v.(type) {
	case pickle.Bytes:
		return t, true
	case pickle.Str:
		if t.Truncated {
			return pickle.Bytes{}, false
		}
		return pickle.Bytes{B: []byte(t.S), Len: int64(len(t.S)), Offset: -1}, true
	case *pickle.Object:
		g, ok := t.Call.Callee.(*pickle.Global)
		if !ok {
			return pickle.Bytes{}, false
		}
		args, ok := t.Call.Args.(*pickle.Tuple)
		if !ok || len(args.Items) == 0 {
			return pickle.Bytes{}, false
		}
		inner, ok := fold(args.Items[0], depth+1)
		if !ok || inner.Truncated {
			if ok && isWrapper(g.Path()) {
				return inner, true
			}
			return pickle.Bytes{}, false
		}
		switch g.Path() {
		case "_io.BytesIO", "io.BytesIO", "builtins.bytes", "builtins.bytearray", "builtins.memoryview":
			return inner, true
		case "_codecs.encode", "codecs.encode":
			// protocol 0-2 bytes: _codecs.encode('<latin-1 text>', 'latin1')
			b := latin1([]byte(string(inner.B)))
			return pickle.Bytes{B: b, Len: int64(len(b)), Offset: -1}, b != nil
		case "base64.b64decode", "base64.standard_b64decode", "base64.decodebytes", "base64.urlsafe_b64decode", "binascii.a2b_base64":
			enc := base64.StdEncoding
			if strings.Contains(g.Name, "urlsafe") {
				enc = base64.URLEncoding
			}
			s := strings.Map(func(r rune) rune {
				if r == '\n' || r == '\r' || r == ' ' {
					return -1
				}
				return r
			}, string(inner.B))
			b, err := enc.DecodeString(s)
			if err != nil {
				return pickle.Bytes{}, false
			}
			return pickle.Bytes{B: b, Len: int64(len(b)), Offset: -1}, true
		case "base64.b16decode", "binascii.unhexlify", "binascii.a2b_hex", "builtins.bytes.fromhex":
			b, err := hex.DecodeString(string(inner.B))
			if err != nil {
				return pickle.Bytes{}, false
			}
			return pickle.Bytes{B: b, Len: int64(len(b)), Offset: -1}, true
		}
	}
	return pickle.Bytes{}, false
}

func isWrapper(p string) bool {
	switch p {
	case "_io.BytesIO", "io.BytesIO", "builtins.bytes", "builtins.bytearray", "builtins.memoryview":
		return true
	}
	return false
}

// latin1 maps text whose runes are all below 256 to bytes.
func latin1(b []byte) []byte {
	s := string(b)
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xFF {
			return nil
		}
		out = append(out, byte(r))
	}
	return out
}

// Check implements rules.Rule.
func (r Rule) Check(c *rules.Context) []finding.Finding {
	if c.Trace == nil {
		return nil
	}
	var out []finding.Finding
	for _, call := range c.Trace.Calls {
		if !IsLoader(call) {
			continue
		}
		g := call.Callee.(*pickle.Global)
		detail := "payload not constant; cannot be scanned"
		if p, ok := Payload(call); ok {
			detail = "payload of " + itoa64(p.Len) + " bytes scanned as member nested@" + itoa64(call.Offset)
		}
		out = append(out, c.New(r, call.Offset, g.Path()+" unpickles nested data while loading",
			finding.Evidence{Opcode: call.Op.String(), Global: g.Path(), Call: pickle.RenderCall(call, rules.RenderOptions), Detail: detail}))
	}
	return out
}

func itoa64(n int64) string {
	if n == 0 {
		return "0"
	}
	neg := n < 0
	if neg {
		n = -n
	}
	var b []byte
	for n > 0 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}
