package framework_test

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// ChildEnv withholds the variables SecretEnv names and every URL with user
// information, a password or a user alone (a token), parsable or not;
// the rest is kept in order.
func TestChildEnv(t *testing.T) {
	tests := []struct {
		kv   string
		kept bool
	}{
		{"ACME_API_KEY=k", false},
		{"ACME_API_KEY_FILE=/k", true}, // a name, not a prefix
		{"HTTPS_PROXY=http://u:p@127.0.0.1:3128", false},
		{"https_proxy=http://tok@127.0.0.1:3128", false},
		{"ALL_PROXY=socks5://u:p@127.0.0.1:bad/", false}, // unparsable port
		{"DATABASE_URL=postgres://u:p@127.0.0.1/db", false},
		{"HTTP_PROXY=http://127.0.0.1:3128", true},
		{"MAIL=user@example.com", true},     // no URL
		{"LINK=http://127.0.0.1/a@b", true}, // an @ in the path
		{"EMPTY=", true},
	}
	in := &framework.Inject{SecretEnv: []string{"ACME_API_KEY"}}
	var environ, want []string
	for _, tt := range tests {
		environ = append(environ, tt.kv)
		if tt.kept {
			want = append(want, tt.kv)
		}
	}
	if got := in.ChildEnv(environ); !slices.Equal(got, want) {
		t.Errorf("ChildEnv:\n got %q\nwant %q", got, want)
	}
	if got := in.ChildEnv(nil); got == nil {
		t.Error("ChildEnv(nil) is nil: exec.Cmd would hand the child the whole environment")
	}
}
