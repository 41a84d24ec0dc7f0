package openaev

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseVersionBody checks the reading of the platform's version
// answer, GET /api/settings/version (2.4.0's SettingsApi answers the
// version as a JSON string; a proxy or an older platform plain text) or
// GET /api/settings ({"platform_version": …}): the same version written
// plain, as a JSON string or in the settings object reads the same, or is
// refused in each; a version read reads again the same from its Raw.
func FuzzParseVersionBody(f *testing.F) {
	for _, s := range []string{"2.4.0", "3.260821.0", "v2.260624.1-rc1", " 1.18.5 ", "2.260623", "2", "2.4.0.1.2",
		"٣.1", "2.4.0\n", "\"2.4.0\"", "{}", "", "00003.0", "9999999999999999999999.1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if !utf8.ValidString(s) {
			return // json.Marshal would write U+FFFD for what is not UTF-8
		}
		if trimmed := strings.TrimSpace(s); strings.HasPrefix(trimmed, `"`) || strings.HasPrefix(trimmed, "{") {
			return // a JSON string or object: no plain version
		}
		plain, perr := parseVersionBody([]byte(s))
		quoted, _ := json.Marshal(s)
		str, serr := parseVersionBody(quoted)
		obj, _ := json.Marshal(map[string]string{"platform_version": s})
		set, oerr := parseVersionBody(obj)
		if (perr == nil) != (serr == nil) || (perr == nil) != (oerr == nil) {
			t.Fatalf("%q read plain: %v; as a JSON string: %v; in the settings object: %v", s, perr, serr, oerr)
		}
		if perr != nil {
			var ve *ValidationError
			if s != "" && strings.TrimSpace(s) != "" && (!errors.As(perr, &ve) || ve.Field != "openaev_version") {
				t.Fatalf("%q refused as %v, want a *ValidationError on openaev_version", s, perr)
			}
			return
		}
		if plain != str || plain != set {
			t.Fatalf("%q read plain as %+v, as a JSON string as %+v, in the settings object as %+v", s, plain, str, set)
		}
		if again, err := ParseVersion(plain.Raw); err != nil || again != plain {
			t.Fatalf("%q read as %+v; its Raw reads again as %+v, %v", s, plain, again, err)
		}
		if major, ok := majorOf(plain.Raw); !ok || (major >= 3 && !plain.Current) || (major < 2 && plain.Current) {
			t.Fatalf("%q read as %+v: major %d (%t)", s, plain, major, ok)
		}
	})
}
