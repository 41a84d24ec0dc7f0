package cli

import (
	"io"
	"strconv"
	"strings"
	"testing"
)

// TestRedactingWriter: stderr's writer hides a token echoed Gson-escaped
// in an error's quoted body, and builds the forms of the secrets once, not
// on every line: a line with no secret costs a few allocations, not the
// thousand building them takes.
func TestRedactingWriter(t *testing.T) {
	const tok = "it's-dG9rZW4tc2VjcmV0MTIz=="
	var out strings.Builder
	w := redacting(&out, []string{tok})
	body := `{"message":"invalid token it\u0027s-dG9rZW4tc2VjcmV0MTIz\u003d\u003d"}`
	line := `{"level":"error","msg":"callback failed","error":` + strconv.Quote("callback rejected: status 422: "+strconv.Quote(body)) + "}\n"
	if _, err := io.WriteString(w, line); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); strings.Contains(got, "dG9rZW4tc2VjcmV0MTIz") || !strings.Contains(got, "[REDACTED]") {
		t.Errorf("stderr shows the token: %s", got)
	}
	plain := []byte(`{"level":"info","msg":"inject finished","inject_id":"3f1c2a9e","targets":12}` + "\n")
	w = redacting(io.Discard, []string{tok})
	if allocs := testing.AllocsPerRun(50, func() { _, _ = w.Write(plain) }); allocs > 5 {
		t.Errorf("a line with no secret takes %.0f allocations, want the forms built once", allocs)
	}
}
