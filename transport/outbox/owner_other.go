//go:build !unix

package outbox

import "os"

// ownFile reports whether this process owns the file fi describes: on
// systems without Unix owners, every file it may write.
func ownFile(os.FileInfo) bool { return true }

// chownLike does nothing: there are no Unix owners to keep.
func chownLike(*os.File, os.FileInfo) error { return nil }
