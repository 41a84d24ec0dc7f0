package outbox

import (
	"errors"
	"io/fs"
	"syscall"
	"testing"
)

// TestUsageUnwritable: a write the file system refused (full, over quota,
// read-only) is what Usage says until a write succeeds; a failure that
// says nothing of the file system (here a commit failing otherwise)
// changes nothing.
func TestUsageUnwritable(t *testing.T) {
	s := openTemp(t, Options{})
	var fail error
	s.SetCommitHooks(nil, nil, func() error { return fail })
	for _, step := range []struct {
		name string
		fail error
		want error // Usage.Unwritable after the write, nil for none
	}{
		{"full", &fs.PathError{Op: "write", Path: s.Path(), Err: syscall.ENOSPC}, syscall.ENOSPC},
		{"read-only", &fs.PathError{Op: "write", Path: s.Path(), Err: syscall.EROFS}, syscall.EROFS},
		{"other failure", errors.New("something else"), syscall.EROFS},
		{"written", nil, nil},
		{"over quota", syscall.EDQUOT, syscall.EDQUOT},
	} {
		fail = step.fail
		_, err := s.Put(entry("i-"+step.name, 0, 1, `{"a":1}`))
		if (err == nil) != (step.fail == nil) {
			t.Fatalf("%s: put: %v, want %v", step.name, err, step.fail)
		}
		u, err := s.Usage()
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case step.want == nil && u.Unwritable != nil:
			t.Errorf("%s: Usage.Unwritable %v, want nil", step.name, u.Unwritable)
		case step.want != nil && !errors.Is(u.Unwritable, step.want):
			t.Errorf("%s: Usage.Unwritable %v, want %v", step.name, u.Unwritable, step.want)
		}
	}
}
