package cloudscan

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/smithy-go/logging"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/signatures"
)

// splitLines returns s cut into lines of n bytes.
func splitLines(s string, n int) string {
	var lines []string
	for i := 0; i < len(s); i += n {
		lines = append(lines, s[i:min(len(s), i+n)])
	}
	return strings.Join(lines, "\n")
}

// requestHeaders returns r's headers as a server writes them back, one
// "Name: value" line each, the session token's among them.
func requestHeaders(r *http.Request) string {
	var b strings.Builder
	b.WriteString("Host: " + r.Host + "\r\n")
	for _, k := range slices.Sorted(maps.Keys(r.Header)) {
		b.WriteString(k + ": " + r.Header.Get(k) + "\r\n")
	}
	return b.String()
}

// pyHexdump writes b as a server's hexdump: 16 bytes a line, hex bytes
// spaced, then the printable bytes.
func pyHexdump(b []byte) string {
	var lines []string
	for i := 0; i < len(b); i += 16 {
		line := b[i:min(len(b), i+16)]
		var h []string
		for _, c := range line {
			h = append(h, hex.EncodeToString([]byte{c}))
		}
		col := strings.Map(func(r rune) rune {
			if r < 32 || r > 126 {
				return '.'
			}
			return r
		}, string(line))
		lines = append(lines, strings.Join(h, " ")+"  "+col)
	}
	return strings.Join(lines, "\n")
}

// excerpt returns s around where piece is.
func excerpt(s, piece string) string {
	i := strings.Index(s, piece)
	return "…" + s[max(0, i-60):min(len(s), i+len(piece)+20)] + "…"
}

// TestSplitEchoNeverShown has the stand-in answer one call with an AWS
// error whose message echoes the session token or the secret key split
// over lines, in MIME-wrapped base64 or in a hexdump of the request's
// headers (as an outside tester's AWS-like endpoint did), which
// word-by-word redaction cannot cut out. Through `injectkit run` with
// debug logs and through Execute, no piece of the echoed message reaches
// the terminal, a log line, the run's error or its signatures: the
// message is withheld whole. An ordinary AWS error is shown as it was.
func TestSplitEchoNeverShown(t *testing.T) {
	const ordinary = "User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: sts:GetCallerIdentity"
	tok := func(r *http.Request) string { return r.Header.Get("X-Amz-Security-Token") }
	for _, tt := range []struct {
		name, event, code, service string
		msg                        func(*http.Request) string
	}{
		{"token split over lines", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "",
			func(r *http.Request) string { return "token rejected:\n" + splitLines(tok(r), 7) }},
		{"ec2 token split over lines", "ec2.amazonaws.com:DescribeSecurityGroups", "AuthFailure", "ec2",
			func(r *http.Request) string { return "token rejected:\n" + splitLines(tok(r), 7) }},
		{"secret key split over lines", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "",
			func(*http.Request) string { return "key:\n" + splitLines(testEscapableSecretKey, 9) }},
		{"token header in MIME base64", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "",
			func(r *http.Request) string {
				// The token's base64 crosses the line break at column 76.
				line := "X-Amz-Security-Token: " + tok(r) + "\r\n"
				return "request was:\n" + splitLines(base64.StdEncoding.EncodeToString([]byte(line)), 76)
			}},
		{"headers in a hexdump", "ec2.amazonaws.com:DescribeSecurityGroups", "AuthFailure", "ec2",
			func(r *http.Request) string { return "request was:\n" + pyHexdump([]byte(requestHeaders(r))) }},
		{"token in base64 wrapped at 12", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "",
			func(r *http.Request) string {
				return "token rejected b64wrapped=" + splitLines(base64.StdEncoding.EncodeToString([]byte(tok(r))), 12)
			}},
		{"ordinary error", "sts.amazonaws.com:GetCallerIdentity", "AccessDenied", "",
			func(*http.Request) string { return ordinary }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
			t.Setenv("AWS_SECRET_ACCESS_KEY", testEscapableSecretKey)
			out, shown, echoed := runBothEchoing(t, tt.service, func(st *standIn) { st.echoWithOn(tt.event, tt.code, tt.msg) })
			if len(echoed) == 0 {
				t.Fatal("the stand-in answered no echo")
			}
			if tt.name == "ordinary error" {
				if !strings.Contains(shown, ordinary) || !strings.Contains(out.ErrorInfo.Message, ordinary) {
					t.Errorf("the ordinary message is not shown as it was: the run's error is %q", out.ErrorInfo.Message)
				}
				return
			}
			// No piece of a secret, with the whitespace the echo put in
			// taken out, nor any line of the echoed message.
			flat := strings.ToLower(strings.Join(strings.Fields(shown), ""))
			for _, secret := range []string{testSessionToken, testEscapableSecretKey} {
				for _, form := range []string{secret, base64.StdEncoding.EncodeToString([]byte(secret)), hex.EncodeToString([]byte(secret))} {
					form = strings.ToLower(form)
					for i := 0; i+12 <= len(form); i++ {
						if strings.Contains(flat, form[i:i+12]) {
							t.Fatalf("a piece %q of a secret is shown: %s", form[i:i+12], excerpt(flat, form[i:i+12]))
						}
					}
				}
			}
			for _, msg := range echoed {
				for _, line := range strings.Split(msg, "\n") {
					if line = strings.TrimSpace(line); len(line) >= 12 && strings.Contains(shown, line) {
						t.Errorf("a line of the echo %q is shown: %s", line, excerpt(shown, line))
					}
				}
			}
			if !strings.Contains(shown, "server text withheld") {
				t.Error("no note of the withheld text in what was shown")
			}
			// A failed identity call fails the run: its error names the
			// code and notes the withheld message.
			if tt.service == "" && (!strings.Contains(out.ErrorInfo.Message, tt.code) ||
				!strings.Contains(out.ErrorInfo.Message, "server text withheld")) {
				t.Errorf("the run's error %q names no %s or no withheld text", out.ErrorInfo.Message, tt.code)
			}
		})
	}
}

// The account GetCallerIdentity answers with is quoted in the account
// mismatch error and log line: an answer whose <Account> is no account id
// (here the session token split over lines) fails the identity check
// without quoting it.
func TestCallerAccountNotAnAccountNeverShown(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sts"), 0o755); err != nil {
		t.Fatal(err)
	}
	answer := `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>` +
		`<Arn>arn:aws:iam::123456789012:user/scanner</Arn><UserId>AIDAEXAMPLE</UserId><Account>1234` + "\n" +
		splitLines(testSessionToken, 7) + `</Account></GetCallerIdentityResult>` +
		`<ResponseMetadata><RequestId>x</RequestId></ResponseMetadata></GetCallerIdentityResponse>`
	if err := os.WriteFile(filepath.Join(dir, "sts", "GetCallerIdentity.xml"), []byte(answer), 0o600); err != nil {
		t.Fatal(err)
	}
	setAWSEnv(t)
	t.Setenv("AWS_SESSION_TOKEN", testSessionToken)
	st := newStandIn(t, []string{"private-logs"}, dir, fixtures())
	st.knowEnvKey()
	e := New(WithVersion(testVersion), withClock(func() time.Time { return testNow }))
	in := newInject(t, []signatures.CloudConfig{euWest1}, decodeParams(t, e, json.RawMessage(`{"retry_max_backoff":"5ms"}`), st.URL()))
	out, shown := executeShown(t, e, in)
	flat := strings.Join(strings.Fields(shown), "")
	for i := 0; i+7 <= len(testSessionToken); i += 7 {
		if piece := testSessionToken[i : i+7]; strings.Contains(flat, piece) {
			t.Fatalf("a piece %q of the token is shown: %s", piece, excerpt(flat, piece))
		}
	}
	if !strings.Contains(out.ErrorInfo.Message, "not an AWS account id") {
		t.Errorf("the run's error %q does not say the account is no account id", out.ErrorInfo.Message)
	}
}

// TestCLIShortSecretIsNoRedactionWord: a secret access key shorter than
// framework.MinLibrarySecretLen (LocalStack's "test") is not redacted as a
// word from the run's logs and output, where a bucket test-data stays so;
// one as long is redacted wherever it shows (a bucket named so).
func TestCLIShortSecretIsNoRedactionWord(t *testing.T) {
	for _, tt := range []struct {
		name, secret string
		redacted     bool
	}{
		{"LocalStack's test", "test", false},
		{"one under the floor", "test-data-acct1", false},
		{"at the floor", "test-data-acct12", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv("AWS_SECRET_ACCESS_KEY", tt.secret)
			st := newStandIn(t, []string{"test-data", tt.secret}, fixtures())
			st.knowEnvKey()
			inject := map[string]any{
				"inject_id":         "cloud-1",
				"expectation_types": []string{"DETECTION"},
				"targets": []map[string]any{{"cloud_provider": "aws", "cloud_account_id": "123456789012",
					"cloud_region": "eu-west-1", "target_service": "s3", "asset": "acct-eu"}},
				"params": map[string]any{"retry_max_backoff": "5ms"},
			}
			file := testkit.WriteJSON(t, "inject.json", inject)
			code, stdout, stderr := runCLI(endpointEnv(st.URL()), "run", "cloudscan", "--inject-file", file,
				"--output", "text", "--log-level", "debug")
			if code != 0 {
				t.Fatalf("exit %d, stderr %s", code, stderr)
			}
			all := stdout + stderr
			if !strings.Contains(stdout, "test-data") {
				t.Errorf("the summary does not name bucket test-data:\n%s", stdout)
			}
			if got := strings.Contains(all, "[REDACTED]"); got != tt.redacted {
				t.Errorf("redacted %v, want %v:\n%s", got, tt.redacted, all)
			}
			if tt.redacted && strings.Contains(all, tt.secret) {
				t.Errorf("the secret %q shows:\n%s", tt.secret, all)
			}
		})
	}
}

// What the AWS SDK logs goes to the inject's logger, at its level, never
// to stderr on its own.
func TestSDKLogsThroughTheInjectLogger(t *testing.T) {
	setAWSEnv(t)
	core, logs := observer.New(zapcore.DebugLevel)
	sess, err := awsProvider{}.open(context.Background(), zap.New(core).With(zap.String("inject_id", "i-1")), &Params{}, hostSettings{}, testVersion)
	if err != nil {
		t.Fatal(err)
	}
	sdk := sess.(*awsSession).cfg.Logger
	sdk.Logf(logging.Warn, "falling back to %s", "IMDSv1")
	sdk.Logf(logging.Debug, "request %d", 7)
	got := logs.AllUntimed()
	if len(got) != 2 {
		t.Fatalf("%d lines, want 2: %+v", len(got), got)
	}
	for i, want := range []struct {
		level zapcore.Level
		msg   string
	}{{zapcore.WarnLevel, "aws sdk: falling back to IMDSv1"}, {zapcore.DebugLevel, "aws sdk: request 7"}} {
		if got[i].Level != want.level || got[i].Message != want.msg || got[i].ContextMap()["inject_id"] != "i-1" {
			t.Errorf("line %d: %s %q %v, want %s %q with the inject id", i, got[i].Level, got[i].Message, got[i].ContextMap(), want.level, want.msg)
		}
	}
}
