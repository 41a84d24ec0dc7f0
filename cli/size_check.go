package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
	"github.com/injectkit/injectkit/transport"
	"github.com/injectkit/injectkit/transport/callback"
)

// sizeCheck is the callback profile's check of max_payload_size on a
// prepared inject, before anything runs, with or without a backend: the
// printer's (the inject's own phase, as its bodies will carry it). A size
// below the smallest body (one with no target, one holding a minimal
// target) is refused naming, beside that floor, the least size that holds
// this inject, as a size between the floor and it is: the floor alone sent
// the user to a size refused in turn.
type sizeCheck struct{ max int }

func (s sizeCheck) Received(ctx context.Context, p *runtime.Prepared) error {
	err := callback.Printer{W: io.Discard, MaxPayloadSize: s.max}.Received(ctx, p)
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) || ve.Field != "max_payload_size" || errors.Is(err, transport.ErrTargetTooLarge) || len(p.Targets) == 0 {
		return err
	}
	least := p.LeastPayloadTargets()
	need := transport.LeastFit(s.max+1, maxPlannedSize, func(size int) bool {
		_, err := transport.Encode(p.Request.InjectID, p.Request.Phase, least, size)
		return err == nil
	})
	if need > 0 {
		ve.Reason += fmt.Sprintf("; this inject needs at least %d bytes (its results may need more)", need)
	}
	return err
}

// maxPlannedSize is the largest size sizeCheck tries, as the callback
// profile's own planning does: 2 GiB less one.
const maxPlannedSize = 1<<31 - 1
