package openaev

import (
	"errors"
	"net/http"
	"testing"
)

// refusedSort reads the field out of either line's refusal, and only out
// of a 400 refusing a field the search sorted on.
func TestRefusedSort(t *testing.T) {
	sorts := []sortField{{Property: "asset_name"}, {Property: "endpoint_hostname"}}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"2.4.0", &APIError{Status: http.StatusBadRequest,
			Body: `{"message":"Unknown sort property 'endpoint_hostname', please try an other one"}`}, "endpoint_hostname"},
		{"1.18", &APIError{Status: http.StatusBadRequest,
			Body: `{"message":"Property not sortable: asset_name for class class io.openaev.database.model.Endpoint"}`}, "asset_name"},
		{"a field not asked for", &APIError{Status: http.StatusBadRequest,
			Body: `{"message":"Unknown sort property 'asset_id', please try an other one"}`}, ""},
		{"not a 400", &APIError{Status: http.StatusInternalServerError,
			Body: `{"message":"Unknown sort property 'asset_name', please try an other one"}`}, ""},
		{"another error", errors.New("Unknown sort property 'asset_name'"), ""},
		{"none", nil, ""},
	} {
		if got := refusedSort(tt.err, sorts); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
