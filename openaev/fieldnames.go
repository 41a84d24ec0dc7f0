package openaev

import (
	"context"
	"errors"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/runtime"
)

// namedFields returns ctx whose refused requests name a field as the
// platform message holds it (contentFields), in the runtime's WARN line
// as in the terminal callback and the error returned.
func namedFields(ctx context.Context) context.Context {
	sel := targetsOf(ctx)
	return runtime.NamingRejections(ctx, func(err error) error {
		named := contentFields(err, sel)
		if re := (*framework.RequestError)(nil); named != err && errors.As(err, &re) {
			return &framework.RequestError{Err: named}
		}
		return named
	})
}

// contentFields names a refused field of a platform message as the
// message holds it, inject_content.<key>: a param rather than
// params.<key>, a manual target (the value names the item of the
// comma-separated list) rather than targets[N], and a field of the cloud
// targets sel made from the contract's cloud fields (every region's target
// shares them) rather than targets[N].<key>.
func contentFields(err error, sel *Selection) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	key, ok := strings.CutPrefix(ve.Field, "params.")
	if !ok && sel != nil && sel.Selector == SelectorManual && strings.HasPrefix(ve.Field, "targets[") {
		key, ok = KeyTargets, true
	}
	if !ok && sel != nil && sel.Selector == SelectorCloud && strings.HasPrefix(ve.Field, "targets[") {
		if _, field, cut := strings.Cut(ve.Field, "]."); cut {
			switch field {
			case KeyCloudProvider, KeyCloudAccountID, KeyCloudRegion, KeyTargetService:
				key, ok = field, true
			}
		}
	}
	if !ok {
		return err
	}
	named := *ve
	named.Field = "inject_content." + key
	return &named
}
