package filekind

import (
	"io/fs"
	"testing"
)

func TestNotRegular(t *testing.T) {
	tests := []struct {
		mode fs.FileMode
		want string
	}{
		{0o600, ""},
		{fs.ModeDir | 0o700, "a directory, not a regular file"},
		{fs.ModeNamedPipe | 0o600, "a FIFO (named pipe), not a regular file"},
		{fs.ModeDevice | fs.ModeCharDevice | 0o666, "a character device, not a regular file"},
		{fs.ModeDevice | 0o660, "a block device, not a regular file"},
		{fs.ModeSocket | 0o600, "a socket, not a regular file"},
		{fs.ModeSymlink | 0o777, "not a regular file"},
	}
	for _, tt := range tests {
		if got := NotRegular(tt.mode); got != tt.want {
			t.Errorf("NotRegular(%v) = %q, want %q", tt.mode, got, tt.want)
		}
	}
}

func TestOthers(t *testing.T) {
	tests := []struct {
		perm, bit fs.FileMode
		want      string
	}{
		{0o666, 0o002, "group and others"},
		{0o646, 0o002, "others"},
		{0o664, 0o002, "group"},
		{0o644, 0o002, ""},
		{0o644, 0o004, "group and others"},
		{0o640, 0o004, "group"},
		{0o600, 0o004, ""},
	}
	for _, tt := range tests {
		if got := Others(tt.perm, tt.bit); got != tt.want {
			t.Errorf("Others(%#o, %#o) = %q, want %q", tt.perm, tt.bit, got, tt.want)
		}
	}
}
