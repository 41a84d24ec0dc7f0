package main

import (
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/testkit"
)

// The registered cloudscan rejects an unsupported provider before running:
// exit 2, the field and value named, nothing printed or sent.
func TestBinaryCloudscanRejectsUnsupportedProvider(t *testing.T) {
	f := testkit.WriteFile(t, "inject.json", `{"inject_id":"c-1","injector":"cloudscan","targets":[{"cloud_provider":"gcp","cloud_account_id":"123456789012","cloud_region":"europe-west1"}]}`)
	code, out, errs := injectkit(t, []string{"AWS_EC2_METADATA_DISABLED=true"}, "run", "--inject-file", f)
	if code != 2 || out != "" || !strings.Contains(errs, `cloud_provider "gcp"`) {
		t.Errorf("exit %d, stdout %q, stderr %s", code, out, errs)
	}
}
