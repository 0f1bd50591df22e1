//go:build race

package compress

// raceEnabled relaxes timing assertions under the race detector.
const raceEnabled = true
