// Package filekind owns the one wording of what a path names when it is
// not a regular file (a directory, a FIFO, a device, a socket): the outbox
// and cloudscan's shared AWS files and CA bundle refuse such paths in the
// same words; and of who besides this process may control a file
// (ForeignOwner, Others) or replace it in its directory (DirExposure),
// that of the file a link names included (LinkedDir): the outbox and the
// config file are warned of in the same words.
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

// Others names who, of a file's group and others, holds the permission
// bit of perm: bit is the others' bit (0o002 to write, 0o004 to read), the
// group's is bit<<3. It is "" when neither holds it.
func Others(perm, bit fs.FileMode) string {
	group, others := perm&(bit<<3) != 0, perm&bit != 0
	switch {
	case group && others:
		return "group and others"
	case others:
		return "others"
	case group:
		return "group"
	}
	return ""
}
