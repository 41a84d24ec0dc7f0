package runtime

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
)

// secretsOf returns the redactor of the values of the settings m marks
// Secret, as settings gives them (trimmed, as the CLI's log redaction
// takes them); nil when there are none.
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
	if len(secrets) == 0 {
		return nil
	}
	return httpx.NewRedactor(secrets...)
}

// redactOutput returns out with the secrets of r replaced by
// [REDACTED] (httpx.Redact, every form it knows) in every string it
// carries: the error message, and the findings and the extras, their
// keys and their values at any depth; out itself when r is nil. What it
// changes is copied, never written in the executor's maps.
func redactOutput(r *httpx.Redactor, out framework.ToolOutput) framework.ToolOutput {
	if r == nil {
		return out
	}
	out = redactMessage(r, out)
	out.ExtraSignatures = redactMap(r, out.ExtraSignatures, 0)
	out.Findings = redactMap(r, out.Findings, 0)
	out.ExtraByType = redactTypeExtras(r, out.ExtraByType)
	if len(out.TargetExtras) > 0 {
		targets := make(map[int]framework.TypeExtras, len(out.TargetExtras))
		for i, te := range out.TargetExtras {
			targets[i] = redactTypeExtras(r, te)
		}
		out.TargetExtras = targets
	}
	return out
}

// redactMessage returns out with r's secrets redacted from its error
// message, its ErrorInfo copied; out itself when r is nil.
func redactMessage(r *httpx.Redactor, out framework.ToolOutput) framework.ToolOutput {
	if r == nil || out.ErrorInfo == nil {
		return out
	}
	info := *out.ErrorInfo
	info.Message = r.Redact(info.Message)
	out.ErrorInfo = &info
	return out
}

// redactStrings returns ss with r's secrets redacted, a copy when one is
// found; ss itself when r is nil or none is.
func redactStrings(r *httpx.Redactor, ss []string) []string {
	if r == nil {
		return ss
	}
	var out []string
	for i, s := range ss {
		if red := r.Redact(s); red != s {
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

func redactTypeExtras(r *httpx.Redactor, te framework.TypeExtras) framework.TypeExtras {
	if te == nil {
		return nil
	}
	out := make(framework.TypeExtras, len(te))
	for t, m := range te {
		out[t] = redactMap(r, m, 0)
	}
	return out
}

// maxRedactDepth is how deep redactValue walks lists and objects; deeper,
// a value is redacted in its JSON form (one that holds itself, which JSON
// cannot encode and the runtime leaves out, is kept as it is).
const maxRedactDepth = 64

func redactMap(r *httpx.Redactor, m map[string]any, depth int) map[string]any {
	if m == nil {
		return nil
	}
	out := make(map[string]any, len(m))
	for k, v := range m {
		out[r.Redact(k)] = redactValue(r, v, depth+1)
	}
	return out
}

// redactValue returns v with r's secrets redacted from every string it
// holds. Strings, lists and objects are walked; numbers and booleans kept;
// any other value (a struct, a json.Marshaler) is redacted in its JSON
// form and, when that held a secret, replaced by the redacted JSON decoded
// (the same JSON on the wire; the string [REDACTED] should the redaction
// have cut its syntax). A value JSON cannot encode is kept as it is: the
// runtime leaves it out (see unencodable). Lists and objects deeper than
// maxRedactDepth are redacted in their JSON form.
func redactValue(r *httpx.Redactor, v any, depth int) any {
	switch x := v.(type) {
	case nil, bool, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64, float32, float64:
		return v
	case string:
		return r.Redact(x)
	case []string:
		out := make([]string, len(x))
		for i, s := range x {
			out[i] = r.Redact(s)
		}
		return out
	case []any:
		if depth > maxRedactDepth {
			break
		}
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = redactValue(r, e, depth+1)
		}
		return out
	case map[string]any:
		if depth > maxRedactDepth {
			break
		}
		return redactMap(r, x, depth)
	}
	b, ok := encoded(v)
	if !ok {
		return v
	}
	red := r.Redact(string(b))
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
