package openaev

import (
	"errors"
	"strings"

	"github.com/injectkit/injectkit/runtime"
)

// namedFields names a refused field of the request a platform message
// made, its targets sel, as the message holds it (contentFields), in the
// runtime's WARN line as in the terminal callback and the error returned:
// the request's runtime.Request.NameRejection.
func namedFields(sel *Selection) func(error) error {
	return func(err error) error {
		named := contentFields(err, sel)
		if re := (*runtime.RequestError)(nil); named != err && errors.As(err, &re) {
			return &runtime.RequestError{Err: named}
		}
		return named
	}
}

// contentFields names a refused field of a platform message as the
// message holds it, inject_content.<key>: a param rather than
// params.<key>, an external target's query (every target of the inject
// shares it, whatever the selector) rather than targets[N].query, a
// manual target (the value names the item of the comma-separated list)
// rather than targets[N], and a field of the cloud targets sel made from
// the contract's cloud fields (every region's target shares them) rather
// than targets[N].<key>.
func contentFields(err error, sel *Selection) error {
	var ve *ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	key, ok := strings.CutPrefix(ve.Field, "params.")
	if !ok && sel != nil && strings.HasPrefix(ve.Field, "targets[") && strings.HasSuffix(ve.Field, "]."+KeyQuery) {
		key, ok = KeyQuery, true
	}
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
