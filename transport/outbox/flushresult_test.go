package outbox_test

import (
	"reflect"
	"testing"

	"github.com/injectkit/injectkit/transport/outbox"
)

// Add sums every count of two flushes, a count added to FlushResult
// included, and keeps the first redirect known with its inject.
func TestFlushResultAdd(t *testing.T) {
	for _, tt := range []struct {
		name, movedTo, otherMovedTo, want string
	}{
		{"neither redirected", "", "", ""},
		{"the first redirected", "https://a/", "", "https://a/"},
		{"the other redirected", "", "https://b/", "https://b/"},
		{"both redirected: the first kept", "https://a/", "https://b/", "https://a/"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := outbox.FlushResult{MovedTo: tt.movedTo, MovedInject: "inj-" + tt.movedTo}
			other := outbox.FlushResult{MovedTo: tt.otherMovedTo, MovedInject: "inj-" + tt.otherMovedTo}
			rv, ov := reflect.ValueOf(&res).Elem(), reflect.ValueOf(&other).Elem()
			for i := range rv.NumField() {
				if rv.Field(i).Kind() == reflect.Int {
					rv.Field(i).SetInt(int64(i + 1))
					ov.Field(i).SetInt(int64(100 * (i + 1)))
				}
			}
			res.Add(other)
			for i := range rv.NumField() {
				f := rv.Type().Field(i)
				switch {
				case f.Type.Kind() == reflect.Int && rv.Field(i).Int() != int64(101*(i+1)):
					t.Errorf("%s = %d, want %d", f.Name, rv.Field(i).Int(), 101*(i+1))
				case f.Type.Kind() != reflect.Int && f.Name != "MovedTo" && f.Name != "MovedInject":
					t.Errorf("field %s of FlushResult is not a count: say here how Add combines it", f.Name)
				}
			}
			if res.MovedTo != tt.want || res.MovedInject != "inj-"+tt.want {
				t.Errorf("MovedTo = %q of %q, want %q of %q", res.MovedTo, res.MovedInject, tt.want, "inj-"+tt.want)
			}
		})
	}
}
