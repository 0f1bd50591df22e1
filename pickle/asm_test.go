package pickle

import (
	"bytes"
	"encoding/binary"
	"strings"
)

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }

// asm builds pickle streams for tests from a compact description: each
// argument is an Opcode, a string (raw bytes), or []byte.
func asm(parts ...any) []byte {
	var b []byte
	for _, p := range parts {
		switch v := p.(type) {
		case Opcode:
			b = append(b, byte(v))
		case string:
			b = append(b, v...)
		case []byte:
			b = append(b, v...)
		case int:
			b = append(b, byte(v))
		default:
			panic("asm: bad part")
		}
	}
	return b
}

// sbu is SHORT_BINUNICODE s.
func sbu(s string) []byte { return append([]byte{byte(SHORT_BINUNICODE), byte(len(s))}, s...) }

// u32 and u64 encode little-endian lengths.
func u32(n uint32) []byte { return binary.LittleEndian.AppendUint32(nil, n) }
func u64(n uint64) []byte { return binary.LittleEndian.AppendUint64(nil, n) }

// frame wraps body in a FRAME opcode with its true length.
func frame(body []byte) []byte {
	return append(append([]byte{byte(FRAME)}, u64(uint64(len(body)))...), body...)
}

func global(mod, name string) string { return "c" + mod + "\n" + name + "\n" }

func importPaths(t *Trace) []string {
	var out []string
	for _, im := range t.Imports {
		out = append(out, im.Path())
	}
	return out
}

func joined(s []string) string { return strings.Join(s, ",") }
