//go:build !unix

package outbox

// removeUnlocked leaves the file at path: whether a process holds it
// cannot be told here.
func removeUnlocked(string) {}
