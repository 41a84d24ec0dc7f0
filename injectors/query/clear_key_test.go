package query

import (
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// The API key, sent in each request URL's query, gets the backend
// token's WARN when it goes in clear (http://) to another host than this
// machine's loopback, and none otherwise. Only the provider is built:
// nothing is sent.
func TestClearAPIKeyWarned(t *testing.T) {
	tests := []struct {
		base string
		warn bool
	}{
		{"http://192.0.2.10:8080", true},
		{"http://shodan.example", true},
		{"https://192.0.2.10", false},
		{"http://127.0.0.1:9", false},
		{"http://[::1]:9", false},
		{"http://localhost:9", false},
	}
	for _, tt := range tests {
		t.Run(tt.base, func(t *testing.T) {
			e := New()
			if err := e.Configure(map[string]string{SettingShodanBaseURL: tt.base, SettingShodanAPIKey: "key-0123456789abcdef"}); err != nil {
				t.Fatal(err)
			}
			core, logs := observer.New(zapcore.WarnLevel)
			if _, err := e.provider(ProviderShodan, zap.New(core)); err != nil {
				t.Fatal(err)
			}
			var said []string
			for _, l := range logs.All() {
				said = append(said, l.Message)
			}
			warned := strings.Contains(strings.Join(said, "\n"), "the Shodan API key goes in clear over http://")
			if warned != tt.warn || strings.Contains(strings.Join(said, ""), "key-0123456789abcdef") {
				t.Errorf("warnings %q, want the clear key warned of: %t, never the key", said, tt.warn)
			}
		})
	}
}
