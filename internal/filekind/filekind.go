// Package filekind owns the one wording of what a path names when it is
// not a regular file (a directory, a FIFO, a device, a socket): the outbox
// and cloudscan's shared AWS files refuse such paths in the same words.
package filekind

import "io/fs"

// NotRegular returns why a file of mode m is not a regular file ("a FIFO
// (named pipe), not a regular file"), or "" when it is one.
func NotRegular(m fs.FileMode) string {
	switch {
	case m.IsRegular():
		return ""
	case m.IsDir():
		return "a directory, not a regular file"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO (named pipe), not a regular file"
	case m&fs.ModeCharDevice != 0:
		return "a character device, not a regular file"
	case m&fs.ModeDevice != 0:
		return "a block device, not a regular file"
	case m&fs.ModeSocket != 0:
		return "a socket, not a regular file"
	}
	return "not a regular file"
}
