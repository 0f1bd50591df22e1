package zipx

// Limits bounds the memory and work one Reader may spend. A zero or
// negative field means "use the default".
//
// torch.save writes one record per storage plus four or five small ones, and
// numpy.savez one per array, so real archives have tens to a few thousand
// entries and central directories of a few hundred KiB.
type Limits struct {
	// MaxEntries is the most central directory records read. An archive
	// with more is rejected with a *LimitError. Default 1<<16.
	MaxEntries int
	// MaxCentralDir is the most central directory bytes read (the whole
	// directory is read into memory). Default 64 MiB.
	MaxCentralDir int64
	// MaxInflate is the most bytes Open produces for one deflated entry.
	// Default 16 GiB.
	MaxInflate int64
	// MaxAnomalies is the most anomalies recorded. Past it one
	// KindAnomalyLimit anomaly is added and further ones are only counted
	// in Reader.DroppedAnomalies. Default 4096.
	MaxAnomalies int
}

// Defaults for the Limits fields.
const (
	DefaultMaxEntries    = 1 << 16
	DefaultMaxCentralDir = 64 << 20
	DefaultMaxInflate    = 16 << 30
	DefaultMaxAnomalies  = 4096
)

func (l Limits) withDefaults() Limits {
	if l.MaxEntries <= 0 {
		l.MaxEntries = DefaultMaxEntries
	}
	if l.MaxCentralDir <= 0 {
		l.MaxCentralDir = DefaultMaxCentralDir
	}
	if l.MaxInflate <= 0 {
		l.MaxInflate = DefaultMaxInflate
	}
	if l.MaxAnomalies <= 0 {
		l.MaxAnomalies = DefaultMaxAnomalies
	}
	return l
}
