package openaev

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// A terminal callback stopped at a body the platform refused says that
// body and the ones after it were not delivered, not "not sent": the
// refused one was sent, and its failure is quoted.
func TestPartialErrorSaysNotDelivered(t *testing.T) {
	refused := errors.New("terminal callback (data): callback failed after 3 attempts: status 400")
	for _, delivered := range []int{0, 1, 4} {
		t.Run(fmt.Sprint(delivered), func(t *testing.T) {
			const total = 9
			msg := (&PartialError{Delivered: delivered, Total: total, Err: refused}).Error()
			want := fmt.Sprintf("bodies %d-%d of %d not delivered", delivered, total-1, total)
			if !strings.HasPrefix(msg, refused.Error()) || !strings.Contains(msg, want) || strings.Contains(msg, "not sent") {
				t.Errorf("error %q, want the failure then %q (and no \"not sent\")", msg, want)
			}
		})
	}
}
