package framework_test

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
)

func TestSettingWeakSecret(t *testing.T) {
	s := framework.Setting{Key: "shodan_api_key", Env: "INJECTKIT_SHODAN_API_KEY", Secret: true}
	withDefault := framework.Setting{Key: "password", Default: "injectkit-default", Secret: true}
	tests := []struct {
		name string
		s    framework.Setting
		v    string
		weak string // a word of the reason; "" when not weak
	}{
		{"not given", s, "", ""},
		{"a real key", s, "Zq8vLrT2pWm9XkA3bN7cD1eF", ""},
		{"eight characters", s, "q8vLrT2p", ""},
		{"spaces alone", s, "   ", "blank"},
		{"changeme", s, "changeme", "placeholder"},
		{"Change-Me, spaced", s, " Change-Me ", "placeholder"},
		{"your api key", s, "your_api_key", "placeholder"},
		{"in angle brackets", s, "<your Shodan key here>", "placeholder"},
		{"dots", s, "...", "placeholder"},
		{"one character repeated", s, "xxxxxxxxxxxxxxxx", "placeholder"},
		{"the key in capitals, as the help's examples", s, "SHODAN_API_KEY", "documented example"},
		{"the environment variable's name", s, "INJECTKIT_SHODAN_API_KEY", "documented example"},
		{"the default", withDefault, "injectkit-default", "documented example"},
		{"unexpanded $NAME", s, "$SHODAN_KEY", "unexpanded"},
		{"unexpanded ${NAME}", s, "${SHODAN_KEY}", "unexpanded"},
		{"too short", s, "a1B2c3", "shorter than 8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.s.WeakSecret(tt.v)
			if tt.weak == "" {
				if got != "" {
					t.Fatalf("WeakSecret = %q, want not weak", got)
				}
				return
			}
			if !strings.Contains(got, tt.weak) {
				t.Fatalf("WeakSecret = %q, want it to say %q", got, tt.weak)
			}
			if v := strings.TrimSpace(tt.v); v != "" && strings.Contains(strings.ToLower(got), strings.ToLower(v)) {
				t.Errorf("the reason %q quotes the value", got)
			}
		})
	}
}
