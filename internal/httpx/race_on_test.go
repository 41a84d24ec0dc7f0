//go:build race

package httpx

// raceOn: the race detector drops sync.Pool entries at random, so
// allocation counts vary under it.
const raceOn = true
