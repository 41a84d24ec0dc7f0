package cli_test

import (
	"net/http"
	"strings"
	"testing"
)

// A backend URL whose user information, percent-decoded, holds a
// character that prints as nothing (a zero-width space, a byte order
// mark), a control character or a byte that is not UTF-8 would go as it
// is in the Basic Authorization header: credentials that read right, and
// that the backend refuses. It is refused before anything is sent, exit
// 2, naming the setting where it was given (flag, variable, config file
// line), the part and the character by its code point, never the
// password, as a token holding one is; one outside ASCII that prints
// (é) is sent, Basic credentials being UTF-8.
func TestURLCredentialsHoldingAnInvisibleCharacterRefused(t *testing.T) {
	be := newSwitchable(t, http.StatusOK)
	at := func(userinfo string) string { return strings.Replace(be.URL, "http://", "http://"+userinfo+"@", 1) }
	cfg := writeFile(t, "c.yaml", "backend_url: '"+at("svc:%EF%BB%BFS3cretPw")+"'\n")
	run1 := []string{"noop", "--target", "127.0.0.1", "--inject-id", "inj-zw", "--outbox", "none"}
	shown := `"` + be.URL + `"`
	tests := []refusal{
		{"run, a zero-width space in the password", nil, append(append([]string{"run"}, run1...), "--backend-url", at("svc:%E2%80%8BS3cretPw")),
			`invalid backend_url ` + shown + ` (--backend-url): the password, percent-decoded, holds the non-printable character U+200B at byte 0`},
		{"validate, env", map[string]string{"INJECTKIT_BACKEND_URL": at("svc:S3cretPw%E2%80%8B")}, append([]string{"validate"}, run1...),
			`invalid backend_url ` + shown + ` (env INJECTKIT_BACKEND_URL): the password, percent-decoded, holds the non-printable character U+200B at byte 8`},
		{"run, config file", nil, append(append([]string{"run"}, run1...), "--config", cfg),
			`(config file ` + cfg + `:1): the password, percent-decoded, holds the non-printable character U+FEFF at byte 0`},
		{"a byte order mark in the user name", nil, append(append([]string{"run"}, run1...), "--backend-url", at("%EF%BB%BFS3cretPw")),
			`the user name, percent-decoded, holds the non-printable character U+FEFF at byte 0`},
		{"a line end", nil, append(append([]string{"run"}, run1...), "--backend-url", at("svc:S3cretPw%0A")),
			`holds the non-printable character U+000A at byte 8`},
		{"not UTF-8", nil, append(append([]string{"run"}, run1...), "--backend-url", at("svc:S3cretPw%FF")),
			`the password, percent-decoded, holds the byte 0xFF at byte 8, not UTF-8`},
		{"outbox flush", nil, []string{"outbox", "flush", "--outbox", "none", "--backend-url", at("svc:%E2%80%8BS3cretPw")},
			`(--backend-url): the password, percent-decoded, holds the non-printable character U+200B`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), tt.env, append(tt.args, "--log-level", "error")...)
			checkRefused(t, r, tt.want)
			checkNotShown(t, r, "S3cretPw")
		})
	}
	if got := be.got(); len(got) != 0 {
		t.Errorf("%d requests sent, want none", len(got))
	}
	r := run(t, registry(), nil, append(append([]string{"run"}, run1...), "--backend-url", at("sv%C3%A9:p%C3%A4ss"), "--log-level", "error")...)
	if got := be.got(); r.code != 0 || len(got) != 1 || got[0].Auth != "Basic c3bDqTpww6Rzcw==" {
		t.Errorf("a printable password outside ASCII: exit %d, requests %+v, want one with its Basic credentials\n%s", r.code, got, r.stderr)
	}
}
