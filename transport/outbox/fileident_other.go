//go:build !unix

package outbox

import "os"

// fileIdent is 0 where a file has no inode that os.FileInfo shows: the
// index marks then name the transaction alone (see index.go).
func fileIdent(os.FileInfo) uint64 { return 0 }
