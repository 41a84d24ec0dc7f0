package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"syscall"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// The exit of a flush or retry-dead that sent nothing because the outbox's
// file system refused a write says what fixes that refusal: it said "make
// room on its file system" for each, a directory not writable (the file of
// attempts is created beside the outbox) included, where room was not what
// was missing.
func TestRoomFixNamesTheRefusal(t *testing.T) {
	tests := []struct {
		errno syscall.Errno
		want  string
	}{
		{syscall.ENOSPC, "make room on its file system"},
		{syscall.EDQUOT, "make room within its disk quota"},
		{syscall.EROFS, "remount its file system read-write"},
		{syscall.EACCES, "let this user write the outbox's directory, or run as the user that owns it"},
		{syscall.EPERM, "let this user write the outbox's directory, or run as the user that owns it"},
	}
	for _, tt := range tests {
		t.Run(tt.errno.Error(), func(t *testing.T) {
			// As the store returns it: wrapped, the path named.
			err := fmt.Errorf("outbox /o/outbox.db: note the attempt of record 2 before its post: %w",
				&fs.PathError{Op: "open", Path: "/o/outbox.db.sending-1-2-X", Err: tt.errno})
			if got := roomFix(err); got != tt.want {
				t.Errorf("roomFix(%v) = %q, want %q", err, got, tt.want)
			}
		})
	}
}

// A flush that claimed bodies on a full disk but could note no attempt
// posted nothing: exit 2, "nothing was sent", whether or not the
// give-back of the bodies it claimed ahead failed on that disk too. With
// that failure it exited 1, the disk's error alone: on a tmpfs filled to
// its last page, one flush in twenty of TestFlushOnFullDiskExitsUsage's
// sixteen bodies (bbolt finding room for their claim, or not, as its
// pages fall).
func TestUnnotedOnly(t *testing.T) {
	full := fmt.Errorf("outbox /o/outbox.db: %w", &fs.PathError{Op: "write", Path: "/o/outbox.db", Err: syscall.ENOSPC})
	tests := []struct {
		name string
		res  outbox.FlushResult
		err  error
		want bool
	}{
		{"none noted", outbox.FlushResult{Failed: 16, Unnoted: 16}, nil, true},
		{"none noted, the give-back refused by the full disk", outbox.FlushResult{Failed: 16, Unnoted: 16}, full, true},
		{"none noted, another error", outbox.FlushResult{Failed: 16, Unnoted: 16}, errors.New("outbox /o/outbox.db: corrupt"), false},
		{"one posted and failed before", outbox.FlushResult{Failed: 16, Unnoted: 15}, nil, false},
		{"one delivered before", outbox.FlushResult{Delivered: 1, Failed: 15, Unnoted: 15}, full, false},
		{"one rejected before", outbox.FlushResult{Rejected: 1, Failed: 15, Unnoted: 15}, nil, false},
		{"all noted", outbox.FlushResult{Failed: 2}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := unnotedOnly(tt.res, tt.err); got != tt.want {
				t.Errorf("unnotedOnly(%+v, %v) = %v, want %v", tt.res, tt.err, got, tt.want)
			}
		})
	}
}
