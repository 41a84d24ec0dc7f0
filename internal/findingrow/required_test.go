package findingrow

import (
	"slices"
	"testing"
)

// TestRequiredFields: the Active Directory types name their processors'
// fields, other types none; and a caller that changes the fields it got
// changes no later answer.
func TestRequiredFields(t *testing.T) {
	for _, tt := range []struct {
		typ    string
		want   []string
		wantOK bool
	}{
		{"share", []string{"share_name", "permissions"}, true},
		{"password_policy", []string{"key", "value"}, true},
		{"kerberoastable_account", []string{"username"}, true},
		{"cve", nil, false},
		{"text", nil, false},
	} {
		got, ok := RequiredFields(tt.typ)
		if ok != tt.wantOK || !slices.Equal(got, tt.want) {
			t.Errorf("RequiredFields(%q) = %q, %v; want %q, %v", tt.typ, got, ok, tt.want, tt.wantOK)
		}
		if len(got) > 0 {
			got[0] = "changed"
			if again, _ := RequiredFields(tt.typ); again[0] != tt.want[0] {
				t.Errorf("RequiredFields(%q) after a caller changed its answer: %q", tt.typ, again)
			}
		}
	}
}
