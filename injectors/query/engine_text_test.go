package query

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/query/shodantest"
	"github.com/injectkit/injectkit/signatures"
)

// TestEngineMessageShownEscaped: the engine's {"error": "..."} text goes
// into the target's error, its query_error signature and the platform's
// terminal message, which analysts read and collectors' log lines carry.
// Its control and format characters (an ANSI colour sequence, a bidi
// override, a line break, a zero-width space) are shown escaped
// (\x1b, \u202e, \r\n), never written as they are: they would recolour a
// terminal, make what an analyst reads differ from what the engine said
// or split a log line. Printable text, accents and right-to-left
// letters included, is kept as sent.
func TestEngineMessageShownEscaped(t *testing.T) {
	const sent = `{"error": "bad \u001b[31mRED\u001b[0m \u202eevil\r\nINJECTED\u200b line, caf\u00e9 \u05e9\u05dc\u05d5\u05dd"}`
	const want = `bad \x1b[31mRED\x1b[0m \u202eevil\r\nINJECTED\u200b line, café שלום`
	for _, tt := range []struct {
		name   string
		status int
	}{
		{"403", http.StatusForbidden},
		{"500, every attempt", http.StatusInternalServerError},
		{"200 with an error", http.StatusOK},
		{"202", http.StatusAccepted},
	} {
		t.Run(tt.name, func(t *testing.T) {
			srv := newStandIn(t)
			for range 4 {
				srv.Enqueue(shodantest.Reply{Status: tt.status, Body: sent})
			}
			e, _ := newTestExecutor(t, srv, nil)
			cfg := signatures.ExternalConfig{Query: "httpd"}
			out := e.Execute(context.Background(), newInject(t, zap.NewNop(), &Params{MaxResults: 100, Provider: ProviderShodan}, cfg))
			rs := results(t, out)
			qe, _ := out.TargetExtras[externalTargets(cfg)[0]][framework.Vulnerability][ExtraQueryError].(string)
			msg := ""
			if out.ErrorInfo != nil {
				msg = out.ErrorInfo.Message
			}
			for what, s := range map[string]string{"error": rs[0].Error, "query_error": qe, "error_info.message": msg} {
				if !strings.Contains(s, want) {
					t.Errorf("%s = %q, want it to show the engine's text escaped: %q", what, s, want)
				}
				if i := strings.IndexFunc(s, func(r rune) bool { return unicode.In(r, unicode.Cc, unicode.Cf, unicode.Zl, unicode.Zp) }); i >= 0 {
					t.Errorf("%s holds the character %U at byte %d: %q", what, []rune(s[i:])[0], i, s)
				}
			}
		})
	}
}
