package pickle

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// RenderOptions bounds how much of a value Render prints.
type RenderOptions struct {
	MaxLen   int // output length before "…"; default 200
	MaxDepth int // nesting depth; default 6
	MaxItems int // items per container; default 8
}

// Render prints v the way Python's repr would, folding calls into
// "module.name(args)" form, e.g. os.system('touch /tmp/x'). Output is
// bounded by opts and safe on cyclic or deeply shared values.
func Render(v Value, opts RenderOptions) string {
	if opts.MaxLen <= 0 {
		opts.MaxLen = 200
	}
	if opts.MaxDepth <= 0 {
		opts.MaxDepth = 6
	}
	if opts.MaxItems <= 0 {
		opts.MaxItems = 8
	}
	p := &printer{opts: opts, active: map[any]bool{}}
	p.value(v, 0)
	s := p.sb.String()
	if len(s) > opts.MaxLen {
		s = truncUTF8(s, opts.MaxLen) + "…"
	}
	return s
}

// RenderCall prints a call as "callee(args)".
func RenderCall(c *Call, opts RenderOptions) string {
	if opts.MaxLen <= 0 {
		opts.MaxLen = 200
	}
	o := &Object{Call: c}
	return Render(o, opts)
}

func truncUTF8(s string, n int) string {
	for n > 0 && n < len(s) && s[n]&0xC0 == 0x80 {
		n--
	}
	return s[:n]
}

type printer struct {
	sb     strings.Builder
	opts   RenderOptions
	active map[any]bool
}

func (p *printer) full() bool { return p.sb.Len() > p.opts.MaxLen }

func (p *printer) value(v Value, depth int) {
	if p.full() {
		return
	}
	if depth > p.opts.MaxDepth {
		p.sb.WriteString("…")
		return
	}
	switch t := v.(type) {
	case nil:
		p.sb.WriteString("<missing>")
	case None:
		p.sb.WriteString("None")
	case Bool:
		if t {
			p.sb.WriteString("True")
		} else {
			p.sb.WriteString("False")
		}
	case Int:
		if t.Big != nil {
			s := t.Big.String()
			if len(s) > 40 {
				s = s[:20] + "…(" + strconv.Itoa(len(s)) + " digits)"
			}
			p.sb.WriteString(s)
		} else {
			p.sb.WriteString(strconv.FormatInt(t.Small, 10))
		}
	case Float:
		p.sb.WriteString(pyFloat(float64(t)))
	case Str:
		p.sb.WriteString(pyQuote(t.S, p.opts.MaxLen))
		if t.Truncated {
			fmt.Fprintf(&p.sb, "…(%d bytes)", t.Len)
		}
	case Bytes:
		if t.Mutable {
			p.sb.WriteString("bytearray(")
		}
		p.sb.WriteString("b" + pyQuoteBytes(t.B, p.opts.MaxLen))
		if t.Truncated || int64(len(t.B)) < t.Len {
			fmt.Fprintf(&p.sb, "…(%d bytes)", t.Len)
		}
		if t.Mutable {
			p.sb.WriteString(")")
		}
	case *Tuple:
		p.seq("(", ")", t, t.Items, depth, len(t.Items) == 1)
	case *List:
		p.seq("[", "]", t, t.Items, depth, false)
	case *Set:
		open, close := "{", "}"
		if t.Frozen {
			open, close = "frozenset({", "})"
		}
		p.seq(open, close, t, t.Items, depth, false)
	case *Dict:
		if p.active[t] {
			p.sb.WriteString("{...}")
			return
		}
		p.active[t] = true
		defer delete(p.active, t)
		p.sb.WriteString("{")
		for i := range t.Keys {
			if i > 0 {
				p.sb.WriteString(", ")
			}
			if i >= p.opts.MaxItems {
				fmt.Fprintf(&p.sb, "…+%d", len(t.Keys)-i)
				break
			}
			p.value(t.Keys[i], depth+1)
			p.sb.WriteString(": ")
			p.value(t.Vals[i], depth+1)
		}
		p.sb.WriteString("}")
	case *Global:
		p.sb.WriteString(t.Path())
	case *Object:
		p.call(t.Call, depth)
	case *Persistent:
		p.sb.WriteString("persistent_load(")
		p.value(t.PID, depth+1)
		p.sb.WriteString(")")
	case *Buffer:
		p.sb.WriteString("<out-of-band buffer>")
	case *Array:
		fmt.Fprintf(&p.sb, "<joblib array: %d bytes at offset %d>", t.Bytes, t.Offset)
	default:
		fmt.Fprintf(&p.sb, "<%T>", v)
	}
}

func (p *printer) seq(open, close string, key any, items []Value, depth int, single bool) {
	if p.active[key] {
		p.sb.WriteString(open + "..." + close)
		return
	}
	p.active[key] = true
	defer delete(p.active, key)
	p.sb.WriteString(open)
	for i, it := range items {
		if i > 0 {
			p.sb.WriteString(", ")
		}
		if i >= p.opts.MaxItems {
			fmt.Fprintf(&p.sb, "…+%d", len(items)-i)
			break
		}
		p.value(it, depth+1)
	}
	if single {
		p.sb.WriteString(",")
	}
	p.sb.WriteString(close)
}

func (p *printer) call(c *Call, depth int) {
	if p.active[c] {
		p.sb.WriteString("<cycle>")
		return
	}
	p.active[c] = true
	defer delete(p.active, c)
	switch c.Kind {
	case CallSetState, CallMethod:
		p.value(c.Callee, depth+1)
		p.sb.WriteString("." + c.Method)
	case CallNewObj, CallNewObjEx:
		p.value(c.Callee, depth+1)
		p.sb.WriteString(".__new__")
	default:
		p.value(c.Callee, depth+1)
	}
	p.sb.WriteString("(")
	n := 0
	if t, ok := c.Args.(*Tuple); ok {
		for _, a := range t.Items {
			if n > 0 {
				p.sb.WriteString(", ")
			}
			if n >= p.opts.MaxItems {
				fmt.Fprintf(&p.sb, "…+%d", len(t.Items)-n)
				break
			}
			p.value(a, depth+1)
			n++
		}
	} else if c.Args != nil {
		p.sb.WriteString("*")
		p.value(c.Args, depth+1)
		n++
	}
	if d, ok := c.Kwargs.(*Dict); ok {
		for i := range d.Keys {
			if n > 0 {
				p.sb.WriteString(", ")
			}
			if s, ok := d.Keys[i].(Str); ok {
				p.sb.WriteString(s.S + "=")
			} else {
				p.value(d.Keys[i], depth+1)
				p.sb.WriteString("=")
			}
			p.value(d.Vals[i], depth+1)
			n++
		}
	} else if c.Kwargs != nil {
		if n > 0 {
			p.sb.WriteString(", ")
		}
		p.sb.WriteString("**")
		p.value(c.Kwargs, depth+1)
	}
	p.sb.WriteString(")")
}

func pyFloat(f float64) string {
	switch {
	case f != f:
		return "nan"
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	}
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}

func pyQuote(s string, max int) string {
	var sb strings.Builder
	sb.WriteByte('\'')
	for i, r := range s {
		if i > max {
			sb.WriteString("…")
			break
		}
		switch {
		case r == '\'' || r == '\\':
			sb.WriteByte('\\')
			sb.WriteRune(r)
		case r == '\n':
			sb.WriteString(`\n`)
		case r == '\r':
			sb.WriteString(`\r`)
		case r == '\t':
			sb.WriteString(`\t`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, r)
		default:
			sb.WriteRune(r)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}

func pyQuoteBytes(b []byte, max int) string {
	var sb strings.Builder
	sb.WriteByte('\'')
	for i, c := range b {
		if i > max {
			sb.WriteString("…")
			break
		}
		switch {
		case c == '\'' || c == '\\':
			sb.WriteByte('\\')
			sb.WriteByte(c)
		case c == '\n':
			sb.WriteString(`\n`)
		case c < 0x20 || c >= 0x7f:
			fmt.Fprintf(&sb, `\x%02x`, c)
		default:
			sb.WriteByte(c)
		}
	}
	sb.WriteByte('\'')
	return sb.String()
}
