package compress

// Limits bounds the work and memory one Reader may spend. A zero field
// means "use the default"; the comments say how to switch a check off.
//
// The defaults were chosen from measurements on joblib 1.2.0 dumps of
// numpy arrays (decompressed/compressed ratios, whole files):
//
//	artifact                        zlib/gzip  bz2      lzma/xz  zstd -19  lz4
//	random float64 weights          1          1        1        1         1
//	1 % non-zero sparse 8 MB        51..69     87       77       73        59
//	80 MB zeros + 8 kB weights      224..931   9069     4060     7654      248
//	80 MB of zeros                  229..1026  250001   6914     29696     255
//
// Legit models that are mostly zeros reach the same ratios as bombs, so
// only the absolute size tells them apart. Hence a generous RatioGrace:
// nothing below 256 MiB of output is ratio-checked, so every artifact above
// passes whatever its ratio, and a bomb costs at most 256 MiB of decoding
// (about 0.1 s for zstd or gzip, 1.2 s for Go's bzip2) before MaxRatio stops
// it. Beyond the grace, MaxRatio 1000 means "more than 99.9% trivially
// compressible": a real model that big and that empty is rare, and its owner
// can raise the limit. Deflate cannot exceed about 1032:1 and LZ4 about
// 255:1, so low-ratio bombs of those kinds are bounded by MaxOutput only;
// MaxOutput 32 GiB is the size of the largest compressed pickles seen in
// practice with headroom, and decoding it takes tens of seconds at worst.
type Limits struct {
	// MaxOutput is the total number of decompressed bytes allowed.
	// Default 32 GiB. Negative disables the check.
	MaxOutput int64
	// MaxRatio is the largest decompressed/compressed ratio allowed once the
	// output exceeds RatioGrace. The ratio uses the compressed bytes
	// actually consumed so far, so a bomb appended to a large benign file is
	// still caught. Default 1000. Negative disables the check.
	MaxRatio float64
	// RatioGrace is the output size below which the ratio is not checked.
	// Default 256 MiB. Negative enforces the ratio from the first byte.
	RatioGrace int64
	// MaxWindow bounds the dictionary or window a stream may ask the
	// decoder to allocate (xz, lzma, zstd; zlib, gzip, bzip2 and lz4 have
	// small fixed windows). It also bounds the sum of such allocations over
	// a file of many blocks or streams, to 4*MaxWindow plus 8 bytes per
	// decompressed byte. Default 128 MiB, the limit the zstd command uses;
	// xz -9 and lzma -9 need 64 MiB. It cannot be disabled.
	MaxWindow int64
}

// Default limit values; see Limits.
const (
	DefaultMaxOutput  = 32 << 30
	DefaultMaxRatio   = 1000
	DefaultRatioGrace = 256 << 20
	DefaultMaxWindow  = 128 << 20
)

// maxWindowCap is the largest window any decoder here supports (LZMA's
// 32-bit dictionary size).
const maxWindowCap = 1<<32 - 1

// DefaultLimits returns the limits NewReader uses for zero fields.
func DefaultLimits() Limits {
	return Limits{
		MaxOutput:  DefaultMaxOutput,
		MaxRatio:   DefaultMaxRatio,
		RatioGrace: DefaultRatioGrace,
		MaxWindow:  DefaultMaxWindow,
	}
}

// withDefaults replaces zero fields with defaults and clamps MaxWindow.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxOutput == 0 {
		l.MaxOutput = d.MaxOutput
	}
	if l.MaxRatio == 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.RatioGrace == 0 {
		l.RatioGrace = d.RatioGrace
	}
	if l.MaxWindow <= 0 {
		l.MaxWindow = d.MaxWindow
	}
	l.MaxWindow = min(l.MaxWindow, maxWindowCap)
	return l
}

// ratioExceeded reports whether out bytes from in compressed bytes break
// the ratio limit.
func (l Limits) ratioExceeded(out, in int64) bool {
	if l.MaxRatio < 0 || out <= l.RatioGrace {
		return false
	}
	return float64(out) > l.MaxRatio*float64(max(in, 1))
}
