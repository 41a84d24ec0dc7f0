package settingkey_test

import (
	"errors"
	"fmt"
	"io/fs"
	"testing"

	"github.com/injectkit/injectkit/internal/settingkey"
	"github.com/injectkit/injectkit/signatures"
)

func TestRenamed(t *testing.T) {
	bare := &signatures.ValidationError{Field: "query.request_timeout", Value: "x", Reason: "want a duration"}
	other := &signatures.ValidationError{Field: "cloudscan.profile", Value: "p", Reason: "or set cloudscan.endpoint_url, not cloudscan.other", Err: fs.ErrNotExist}
	for _, tt := range []struct {
		name, own, registered string
		err                   error
		want, field           string
	}{
		{"bare", "query", "shodan", bare, `invalid shodan.request_timeout "x": want a duration`, "shodan.request_timeout"},
		{"wrapped", "query", "shodan", fmt.Errorf("reading: %w", bare), `reading: invalid shodan.request_timeout "x": want a duration`, "shodan.request_timeout"},
		{"reason names a setting", "cloudscan", "cloud", other, `invalid cloud.profile "p": or set cloud.endpoint_url, not cloudscan.other`, "cloud.profile"},
		{"same name", "query", "query", bare, `invalid query.request_timeout "x": want a duration`, "query.request_timeout"},
		{"another injector's field", "cloudscan", "cloud", bare, `invalid query.request_timeout "x": want a duration`, "query.request_timeout"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := settingkey.Renamed(tt.err, tt.own, tt.registered, []string{"request_timeout", "profile", "endpoint_url"})
			if got.Error() != tt.want {
				t.Errorf("text %q, want %q", got.Error(), tt.want)
			}
			var ve *signatures.ValidationError
			if !errors.As(got, &ve) || ve.Field != tt.field {
				t.Errorf("errors.As finds %+v, want field %q", ve, tt.field)
			}
			if errors.Is(tt.err, fs.ErrNotExist) != errors.Is(got, fs.ErrNotExist) {
				t.Errorf("the cause is lost: %v", got)
			}
			if tt.field == bare.Field && got != tt.err {
				t.Errorf("an error left as it was is a new one: %v", got)
			}
		})
	}
	if settingkey.Renamed(nil, "query", "shodan", nil) != nil {
		t.Error("nil renamed to an error")
	}
}
