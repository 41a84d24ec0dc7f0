package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// The WARN of a lock record not written says in its message why (the disk
// full, as the other full-disk lines say it) and names the outbox and the
// record's file: it named the full disk in its error field alone.
func TestLockRecordLineSaysWhyAndWhere(t *testing.T) {
	path := filepath.Join(t.TempDir(), "outbox.db")
	record := func(errno error) error {
		return fmt.Errorf("outbox %s: write lock record: %w", path, &fs.PathError{Op: "write", Path: path + ".lock", Err: errno})
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"a full disk", record(syscall.ENOSPC), "the disk is full"},
		{"over its quota", record(syscall.EDQUOT), "the disk is full"},
		{"read-only", record(syscall.EROFS), "the file system is read-only"},
		{"another failure", record(errors.New("directory not empty")), "the record beside the outbox cannot be written"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			core, logs := observer.New(zapcore.DebugLevel)
			lockUnrecorded(zap.New(core), path)(tc.err)
			lines := logs.All()
			if len(lines) != 1 || lines[0].Level != zapcore.WarnLevel {
				t.Fatalf("lines %v, want one WARN", lines)
			}
			l := lines[0]
			if !strings.HasPrefix(l.Message, "outbox lock held without its record: "+tc.want) {
				t.Errorf("message %q, want it to say %q", l.Message, tc.want)
			}
			if tc.want != "the disk is full" && strings.Contains(l.Message, "disk is full") {
				t.Errorf("message %q says the disk is full", l.Message)
			}
			m := l.ContextMap()
			if m["outbox"] != path || m["lock_record"] != path+".lock" {
				t.Errorf("fields outbox %v, lock_record %v; want %s and its .lock", m["outbox"], m["lock_record"], path)
			}
		})
	}
}
