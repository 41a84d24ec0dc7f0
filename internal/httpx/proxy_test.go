package httpx_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/httpx"
)

// A proxy variable net/http cannot parse, which it would ignore, is
// refused naming the variable, its password masked; one it reads is not.
func TestCheckProxyEnv(t *testing.T) {
	tests := []struct {
		name     string
		env      map[string]string
		wantName string // "" for no error
		wantShow string
	}{
		{"none", nil, "", ""},
		{"a proxy URL", map[string]string{"HTTPS_PROXY": "http://u:p@127.0.0.1:3128"}, "", ""},
		{"host and port only", map[string]string{"HTTP_PROXY": "127.0.0.1:3128"}, "", ""},
		{"bad escape in the password", map[string]string{"HTTPS_PROXY": "http://u:Proxy%zzPass@127.0.0.1:47309"},
			"HTTPS_PROXY", "http://u:xxxxx@127.0.0.1:47309"},
		{"lower case", map[string]string{"https_proxy": "http://u:Proxy%zzPass@127.0.0.1:47309"},
			"https_proxy", "http://u:xxxxx@127.0.0.1:47309"},
		{"upper case wins", map[string]string{"HTTPS_PROXY": "http://127.0.0.1:1", "https_proxy": "http://u:%zz@h"}, "", ""},
		{"http proxy", map[string]string{"HTTP_PROXY": "http://u:Proxy%zzPass@127.0.0.1:47309"},
			"HTTP_PROXY", "http://u:xxxxx@127.0.0.1:47309"},
		{"bad escape in the host", map[string]string{"HTTPS_PROXY": "http://127.0.0.1%zz:1"}, "HTTPS_PROXY", "http://127.0.0.1%zz:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := httpx.CheckProxyEnv(func(k string) string { return tt.env[k] })
			var pe *httpx.ProxyEnvError
			if tt.wantName == "" {
				if err != nil {
					t.Fatalf("CheckProxyEnv = %v, want nil", err)
				}
				return
			}
			if !errors.As(err, &pe) || pe.Name != tt.wantName || pe.Value != tt.wantShow {
				t.Fatalf("CheckProxyEnv = %#v, want %s shown as %q", err, tt.wantName, tt.wantShow)
			}
			masked := strings.Contains(tt.wantShow, "xxxxx")
			if strings.Contains(err.Error(), "Pass") || masked && strings.Contains(err.Error(), "%zz\"") || !strings.Contains(err.Error(), tt.wantName) {
				t.Errorf("error %q: shows the password or does not name %s", err, tt.wantName)
			}
		})
	}
}
