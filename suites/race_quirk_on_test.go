//go:build race

package suites

// raceEnabled tells the self-tests the binary runs under the race detector:
// they then build a child binary without it (see childBinary).
const raceEnabled = true
