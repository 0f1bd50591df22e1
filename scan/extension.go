package scan

import (
	"path/filepath"
	"strings"

	"github.com/modelgate/modelgate/scan/rules"
)

// extensionKinds lists, for file extensions that promise a format, the
// content kinds (first entry of FileResult.Format) that keep the promise.
// Extensions used for several formats (.pt, .bin, .ckpt) promise nothing.
var extensionKinds = map[string][]string{
	".pkl":         {"pickle", "joblib", "torch-legacy", "zlib", "gzip", "bz2", "xz", "lzma", "lz4", "zstd"},
	".pickle":      {"pickle", "joblib"},
	".joblib":      {"joblib", "pickle", "zlib", "gzip", "bz2", "xz", "lzma", "lz4", "joblib-zfile"},
	".npy":         {"npy"},
	".npz":         {"npz", "zip"},
	".safetensors": {"safetensors"},
	".zip":         {"zip", "torch-zip", "torchscript", "npz"},
	".tar":         {"tar", "torch-tar"},
	".gz":          {"gzip"},
	".tgz":         {"gzip"},
	".bz2":         {"bz2"},
	".xz":          {"xz"},
	".lz4":         {"lz4"},
	".zst":         {"zstd"},
	".json":        {"unknown"},
	".txt":         {"unknown"},
	".md":          {"unknown"},
	".yaml":        {"unknown"},
	".yml":         {"unknown"},
	".onnx":        {"unknown"},
	".h5":          {"unknown"},
	".gguf":        {"unknown"},
}

// extensionMismatch returns what the file name promises when the content
// kind breaks the promise, or "".
func extensionMismatch(name, kind string) string {
	ext := strings.ToLower(filepath.Ext(name))
	want, ok := extensionKinds[ext]
	if !ok || kind == "" || kind == "empty" {
		return ""
	}
	for _, k := range want {
		if k == kind {
			return ""
		}
	}
	return ext + " (" + strings.Join(want, ", ") + ")"
}

// checkExtension reports a top-level file whose name and content disagree.
func (j *job) checkExtension() {
	kind := "unknown"
	if len(j.formats) > 0 {
		kind = j.formats[0]
	}
	if says := extensionMismatch(j.fr.Path, kind); says != "" && kind != "unknown" {
		j.container(&rules.Container{Kind: kind, ExtensionSays: says}, "")
	}
}
