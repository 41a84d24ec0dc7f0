package frameworktest

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

// checkSecrets reports each part of the live output that holds the value
// of a Secret setting (Options.Settings over the defaults): the runtime
// replaces it by [REDACTED] in everything it delivers, so the executor's
// author would never see that the message, the finding or the signature
// they meant is lost, nor that their code hands the key around. A value
// shorter than framework.MinSecretLen is left out (it would match by
// chance), and the value is never quoted.
func (c *checker) checkSecrets(t testing.TB, in *framework.Inject, out framework.ToolOutput) {
	t.Helper()
	settings := c.settings(t)
	for _, s := range c.m.Settings {
		v := settings[s.Key]
		if !s.Secret || len(v) < framework.MinSecretLen {
			continue
		}
		if where := secretPlaces(v, in, out); len(where) > 0 {
			t.Errorf("the live output holds the value of the Secret setting %s, in %s: the runtime replaces it by [REDACTED] "+
				"in everything it delivers; leave the setting's value out of what Execute returns and reports",
				s.Key, strings.Join(where, ", "))
		}
	}
}

// secretPlaces names the parts of out, and the partial results of in,
// that hold secret, raw or as JSON escapes it.
func secretPlaces(secret string, in *framework.Inject, out framework.ToolOutput) []string {
	var where []string
	add := func(place string, v any) {
		if holds(v, secret) {
			where = append(where, place)
		}
	}
	if out.ErrorInfo != nil {
		add("ErrorInfo.Message", out.ErrorInfo.Message)
	}
	for _, k := range slices.Sorted(maps.Keys(out.Findings)) {
		add("findings."+k, map[string]any{k: out.Findings[k]})
	}
	for _, k := range slices.Sorted(maps.Keys(out.ExtraSignatures)) {
		add("extra_signatures."+k, map[string]any{k: out.ExtraSignatures[k]})
	}
	for _, typ := range slices.Sorted(maps.Keys(out.ExtraByType)) {
		add(fmt.Sprintf("ExtraByType[%s]", typ), out.ExtraByType[typ])
	}
	for _, extras := range out.TargetExtras {
		add("TargetExtras", extras)
	}
	for _, why := range out.Unreached {
		add("Unreached", why)
	}
	for _, r := range in.PartialResults() {
		add("a partial result", r)
	}
	return slices.Compact(where)
}

// holds reports whether v, as text or in its JSON form, holds secret.
func holds(v any, secret string) bool {
	b, err := json.Marshal(v)
	if err != nil {
		b = fmt.Appendf(nil, "%v", v) // NaN and kin: Conformance reports them apart
	}
	esc, _ := json.Marshal(secret)
	return strings.Contains(string(b), secret) || strings.Contains(string(b), strings.Trim(string(esc), `"`))
}
