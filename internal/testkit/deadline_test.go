package testkit_test

import (
	"context"
	"errors"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// A Deadline has not passed until Expire, then has, as a deadline does
// (Done closed, Err context.DeadlineExceeded), and stays so when Expire
// is called again.
func TestDeadlinePassesOnExpire(t *testing.T) {
	d := testkit.NewDeadline()
	select {
	case <-d.Done():
		t.Fatal("Done closed before Expire")
	default:
	}
	if err := d.Err(); err != nil {
		t.Fatalf("Err before Expire = %v, want nil", err)
	}
	for range 2 {
		d.Expire()
		<-d.Done()
		if err := d.Err(); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("Err after Expire = %v, want context.DeadlineExceeded", err)
		}
	}
}
