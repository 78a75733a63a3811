//go:build !race

package suites

// raceEnabled tells the self-tests the binary runs under the race detector.
const raceEnabled = false
