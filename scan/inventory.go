package scan

import (
	"strings"

	"github.com/modelgate/modelgate/pickle"
)

// storageDtypes names the dtype of each legacy typed storage class.
var storageDtypes = map[string]string{
	"DoubleStorage": "float64", "FloatStorage": "float32", "HalfStorage": "float16", "BFloat16Storage": "bfloat16",
	"LongStorage": "int64", "IntStorage": "int32", "ShortStorage": "int16", "CharStorage": "int8", "ByteStorage": "uint8",
	"BoolStorage": "bool", "ComplexFloatStorage": "complex64", "ComplexDoubleStorage": "complex128",
	"QInt8Storage": "qint8", "QUInt8Storage": "quint8", "QInt32Storage": "qint32", "QUInt4x2Storage": "quint4x2", "QUInt2x4Storage": "quint2x4",
}

// maxInventory bounds the tensors listed for one file.
const maxInventory = 100000

// inventory lists the tensors a checkpoint pickle rebuilds, naming them by
// their state-dict keys where the structure shows them. present says
// whether a storage key's record is there with enough bytes.
func inventory(t *pickle.Trace, member string, present func(key string, bytes int64) bool) []Tensor {
	if len(t.Results) == 0 {
		return nil
	}
	setitems := map[*pickle.Object][]*pickle.Call{}
	for _, c := range t.Calls {
		if c.Kind == pickle.CallMethod && c.Method == "__setitem__" {
			if o, ok := c.Callee.(*pickle.Object); ok {
				setitems[o] = append(setitems[o], c)
			}
		}
	}
	inv := &inventoryWalk{member: member, present: present, setitems: setitems, seen: map[any]bool{}}
	inv.walk(t.Results[0], "", 0)
	return inv.out
}

type inventoryWalk struct {
	member   string
	present  func(string, int64) bool
	setitems map[*pickle.Object][]*pickle.Call
	seen     map[any]bool
	out      []Tensor
}

func (w *inventoryWalk) walk(v pickle.Value, name string, depth int) {
	if depth > 8 || len(w.out) >= maxInventory {
		return
	}
	switch x := v.(type) {
	case *pickle.Dict:
		if w.seen[x] {
			return
		}
		w.seen[x] = true
		for i, k := range x.Keys {
			w.walk(x.Vals[i], join(name, k), depth+1)
		}
	case *pickle.List:
		if w.seen[x] {
			return
		}
		w.seen[x] = true
		for i, it := range x.Items {
			w.walk(it, join(name, pickle.Int{Small: int64(i)}), depth+1)
		}
	case *pickle.Object:
		if w.seen[x] {
			return
		}
		w.seen[x] = true
		if tn, ok := w.tensor(x, name); ok {
			w.out = append(w.out, tn)
			return
		}
		for _, c := range w.setitems[x] {
			if a, ok := c.Args.(*pickle.Tuple); ok && len(a.Items) == 2 {
				w.walk(a.Items[1], join(name, a.Items[0]), depth+1)
			}
		}
	}
}

func join(prefix string, k pickle.Value) string {
	var s string
	switch t := k.(type) {
	case pickle.Str:
		s = t.S
	case pickle.Int:
		s = intString(t)
	default:
		s = "?"
	}
	if prefix == "" {
		return s
	}
	return prefix + "." + s
}

// tensor recognises torch's tensor rebuild calls.
func (w *inventoryWalk) tensor(o *pickle.Object, name string) (Tensor, bool) {
	g, ok := o.Call.Callee.(*pickle.Global)
	if !ok || o.Call.Kind != pickle.CallReduce {
		return Tensor{}, false
	}
	args, _ := o.Call.Args.(*pickle.Tuple)
	if args == nil || len(args.Items) == 0 {
		return Tensor{}, false
	}
	switch g.Path() {
	case "torch._utils._rebuild_parameter", "torch._utils._rebuild_parameter_with_state":
		if inner, ok := args.Items[0].(*pickle.Object); ok {
			return w.tensor(inner, name)
		}
		return Tensor{}, false
	case "torch._utils._rebuild_tensor", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_tensor_v3":
	default:
		return Tensor{}, false
	}
	p, ok := args.Items[0].(*pickle.Persistent)
	if !ok {
		return Tensor{}, false
	}
	tn := Tensor{Name: name, Member: w.member, StorageBytes: -1}
	if r, ok := parseStorageRef(p.PID, p.Offset); ok {
		tn.StorageKey, tn.StorageBytes = r.Key, r.Bytes
		tn.Dtype = storageDtypes[r.Type]
		tn.Present = w.present(r.Key, r.Bytes)
	}
	if len(args.Items) > 2 {
		if sz, ok := args.Items[2].(*pickle.Tuple); ok {
			tn.Shape = []int64{}
			for _, d := range sz.Items {
				if n, ok := d.(pickle.Int); ok && n.Big == nil {
					tn.Shape = append(tn.Shape, n.Small)
				}
			}
		}
	}
	if g.Name == "_rebuild_tensor_v3" && len(args.Items) > 6 {
		if dg, ok := args.Items[6].(*pickle.Global); ok {
			tn.Dtype = strings.TrimPrefix(dg.Path(), "torch.")
		}
	}
	return tn, true
}
