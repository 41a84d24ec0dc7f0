package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// secretsOf returns the redactor of the values of the settings m marks
// Secret, as settings gives them (trimmed, as the CLI's log redaction
// takes them), and of those its libraries read (LibrarySecrets);
// nil when there are none.
func secretsOf(m *framework.Manifest, settings map[string]string) *httpx.Redactor {
	if m == nil {
		return nil
	}
	var secrets []string
	for _, s := range m.Settings {
		if v := strings.TrimSpace(settings[s.Key]); s.Secret && v != "" {
			secrets = append(secrets, v)
		}
	}
	secrets = append(secrets, m.LibrarySecrets(settings)...)
	if len(secrets) == 0 {
		return nil
	}
	return httpx.NewRedactor(secrets...)
}

// outputRedaction returns what redacts an executor's output (ownOutput)
// and the messages made of it: r's secrets (the executor's own Secret
// settings and library secrets), then caller's (WithLogRedaction's: the
// token the wire profiles send with, another injector's Secret setting,
// which the executor may read from the environment, or quote from a
// library's error). What the executor returns goes to the platform in its
// callbacks, and to the outbox while the platform is down: a secret of
// the caller's there would leave the process as one of its own would.
// nil when neither redacts anything.
func outputRedaction(r *httpx.Redactor, caller func(string) string) func(string) string {
	switch {
	case r == nil:
		return caller
	case caller == nil:
		return r.Redact
	}
	return func(s string) string { return caller(r.Redact(s)) }
}

// redactMessage returns out with redact's secrets redacted from its error
// message, its ErrorInfo copied; out itself when redact is nil.
func redactMessage(redact func(string) string, out framework.ToolOutput) framework.ToolOutput {
	if redact == nil || out.ErrorInfo == nil {
		return out
	}
	info := *out.ErrorInfo
	info.Message = redact(info.Message)
	out.ErrorInfo = &info
	return out
}

// redactStrings returns ss with redact's secrets redacted, a copy when
// one is found; ss itself when redact is nil or none is.
func redactStrings(redact func(string) string, ss []string) []string {
	if redact == nil {
		return ss
	}
	var out []string
	for i, s := range ss {
		if red := redact(s); red != s {
			if out == nil {
				out = append([]string(nil), ss...)
			}
			out[i] = red
		}
	}
	if out == nil {
		return ss
	}
	return out
}

// redactJSON returns v, a value ownOutput does not walk (a struct, a
// json.Marshaler, a map[string]string), redacted
// of redact's secrets in its JSON form: when that held a secret, the redacted
// JSON decoded (the same JSON on the wire; the string [REDACTED] should
// the redaction have cut its syntax), else v itself. A value JSON cannot
// encode is kept as it is: the runtime leaves it out (see unencodable).
func redactJSON(redact func(string) string, v any) any {
	b, ok := encoded(v)
	if !ok {
		return v
	}
	red := redact(string(b))
	if red == string(b) {
		return v
	}
	var generic any
	d := json.NewDecoder(strings.NewReader(red))
	d.UseNumber()
	if err := d.Decode(&generic); err != nil || d.More() {
		return httpx.Redacted
	}
	return generic
}

// encoded returns v's JSON, false when JSON cannot encode it or encoding
// it panics.
func encoded(v any) (b []byte, ok bool) {
	defer func() {
		if recover() != nil {
			b, ok = nil, false
		}
	}()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, false
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), true
}

// secretTarget refuses the first of targets whose configuration holds
// one of r's secrets (the executor's own, m's: its Secret settings', its
// SecretEnv's) or one redact removes (the caller's: the backend token,
// another injector's Secret setting) in one of its fields, a query holding
// the API key, say: the executor would send it where the key must not go,
// and its signatures would carry it to the platform, and to the outbox
// while the platform is down. The refusal names the field
// (targets[N].query) and the setting whose value it holds (secretNamed),
// and withholds the value; nil when none does, or r and redact are nil.
func secretTarget(m *framework.Manifest, settings map[string]string, r *httpx.Redactor, redact func(string) string, targets []framework.Target) error {
	if r == nil && redact == nil {
		return nil
	}
	for i, t := range targets {
		b, err := json.Marshal(t.Config)
		if err != nil {
			continue
		}
		var fields map[string]any
		if json.Unmarshal(b, &fields) != nil {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(fields)) {
			v, ok := fields[k].(string)
			if !ok {
				continue
			}
			field := fmt.Sprintf("targets[%d].%s", i, k)
			if r != nil && r.Redact(v) != v {
				return &signatures.ValidationError{Field: field,
					Reason:   "holds a secret, " + secretNamed(m, settings, v) + ": neither it nor what is wrong with it is shown",
					Withheld: true}
			}
			if redact != nil && redact(v) != v {
				return &signatures.ValidationError{Field: field, Reason: signatures.ReasonSecret, Withheld: true}
			}
		}
	}
	return nil
}

// secretInjectID refuses an inject id holding a secret redact removes
// (the backend token, another injector's Secret setting) or one of r's:
// it names the callback's URL, its idempotency key and the outbox's
// record of it, which outbox list shows.
func secretInjectID(id string, r *httpx.Redactor, redact func(string) string) error {
	if id == "" || (r == nil || r.Redact(id) == id) && (redact == nil || redact(id) == id) {
		return nil
	}
	return &signatures.ValidationError{Field: "inject_id", Reason: signatures.ReasonSecret, Withheld: true}
}

// secretNamed names the secret of m that v holds, as its user gives it:
// "the value of query's Secret setting shodan_api_key (env
// INJECTKIT_SHODAN_API_KEY or query.shodan_api_key in the config file)",
// "the value of the environment variable AWS_SECRET_ACCESS_KEY" (a
// SecretEnv's), "the credentials of the proxy in the environment variable
// HTTPS_PROXY", else "a secret the injector's libraries read".
func secretNamed(m *framework.Manifest, settings map[string]string, v string) string {
	holds := func(secret string) bool { return secret != "" && httpx.NewRedactor(secret).Redact(v) != v }
	for _, s := range m.Settings {
		if s.Secret && holds(strings.TrimSpace(settings[s.Key])) {
			return "the value of " + m.Name + "'s Secret setting " + s.Key + " (" + m.SettingWhere(s) + ")"
		}
	}
	for _, name := range m.SecretEnv {
		if sv := strings.TrimSpace(os.Getenv(name)); utf8.RuneCountInString(sv) >= framework.MinLibrarySecretLen && holds(sv) {
			return "the value of the environment variable " + name
		}
	}
	for _, name := range []string{"HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"} {
		one := func(k string) string { // name's alone, as net/http may read it
			if k == name {
				return os.Getenv(name)
			}
			return ""
		}
		for _, sv := range httpx.ProxySecrets(one) {
			if holds(sv) {
				return "the credentials of the proxy in the environment variable " + name
			}
		}
	}
	return "a secret the injector's libraries read"
}

// warnWeakSecrets writes one WARN, once per runtime, for each Secret
// setting of m whose value in settings is weak (framework.Setting.WeakSecret):
// it names the setting and why, never the value (see weakFields). A
// runtime after a check pass (WithCheckPass) leaves it to that pass.
func (rt *Runtime) warnWeakSecrets(m *framework.Manifest, settings map[string]string) {
	if m == nil || rt.checked {
		return
	}
	for i, s := range m.Settings {
		if !s.Secret {
			continue
		}
		why := s.WeakSecret(settings[s.Key])
		if why == "" {
			continue
		}
		if _, warned := rt.weak.LoadOrStore(m.Name+"."+s.Key, struct{}{}); warned {
			continue
		}
		rt.log.Warn("weak value for a Secret setting: "+why, weakFields(m, i, settings[s.Key])...)
	}
}

// weakFields are the fields of the WARN of the Secret setting at index i
// of m's settings, whose weak value is v: the injector, the setting
// (query.shodan_api_key) and where it is given. The log redaction
// replaces v wherever it stands, and a weak value is often one of those
// names, as an example writes them (the setting's own key or environment
// variable, the injector's name), which it would garble
// ("query.[REDACTED]"): each name holding v is left out, so that the
// line names the setting by those that do not (its environment variable
// when its key holds v). A setting none of whose names is left is named
// by its place among m's settings, as the injector's listing (the
// injectors command) shows them, and by its Doc.
func weakFields(m *framework.Manifest, i int, v string) []zap.Field {
	red := httpx.NewRedactor(strings.TrimSpace(v))
	shown := func(name string) bool { return name != "" && red.Redact(name) == name }
	s := m.Settings[i]
	key := m.Name + "." + s.Key
	var fields, where []zap.Field
	if shown(m.Name) {
		fields = append(fields, zap.String("injector", m.Name))
	}
	switch {
	case shown(key):
		fields = append(fields, zap.String("setting", key))
	case shown(s.Env):
		fields = append(fields, zap.String("setting", s.Env))
	default:
		of := "the injector, as the injectors command lists them"
		if shown(m.Name) {
			of = "injector " + m.Name + `, as "injectors ` + m.Name + `" lists them`
		}
		setting := fmt.Sprintf("setting %d of %d of %s", i+1, len(m.Settings), of)
		if shown(s.Doc) {
			setting += ": " + s.Doc
		}
		fields = append(fields, zap.String("setting", setting))
	}
	var places []string
	if shown(s.Env) {
		places = append(places, "env "+s.Env)
	}
	if shown(key) {
		places = append(places, key+" in the config file")
	}
	if len(places) == 0 {
		where = append(where, zap.String("where", "its names withheld: they hold its value, which the logs redact wherever it stands"))
	} else {
		where = append(where, zap.String("where", strings.Join(places, " or ")))
	}
	return append(fields, where...)
}
