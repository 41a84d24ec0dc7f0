package main

import (
	"encoding/json"
	"runtime"
	"strings"
	"testing"
)

// The version, commit and Go version stamped with -ldflags (as make build
// and make release do) are what `version` and --version print.
func TestBinaryVersionIsStamped(t *testing.T) {
	platform := runtime.GOOS + "/" + runtime.GOARCH
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, errs := injectkit(t, nil, args...)
		if want := "injectkit 9.9.9 (commit c0ffee012345, go9.9.9, " + platform + ")\n"; code != 0 || out != want {
			t.Errorf("%v: exit %d, stdout %q, want %q; stderr %s", args, code, out, want, errs)
		}
	}
	code, out, errs := injectkit(t, nil, "version", "-o", "json")
	var v map[string]string
	if err := json.Unmarshal([]byte(out), &v); err != nil || code != 0 {
		t.Fatalf("exit %d, %v: %q %s", code, err, out, errs)
	}
	want := map[string]string{"name": "injectkit", "version": "9.9.9", "commit": "c0ffee0123456789", "go_version": "go9.9.9", "platform": platform}
	for k, w := range want {
		if v[k] != w {
			t.Errorf("%s = %q, want %q", k, v[k], w)
		}
	}
	if len(v) != len(want) || strings.Contains(out, "\n\n") {
		t.Errorf("version -o json: %q", out)
	}
}
