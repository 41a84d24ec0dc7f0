package cloudscan

import (
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// TestConformance runs the framework's contract checks. The live inject
// scans eu-west-1 of the stand-in account through the endpoint_url
// setting; the empty
// and cancelled injects make no call.
func TestConformance(t *testing.T) {
	setAWSEnv(t)
	st := newStandIn(t, nil, fixtures())
	t.Setenv("AWS_ENDPOINT_URL", st.URL()) // nothing reaches AWS, whatever the params
	e := New(withClock(func() time.Time { return testNow }))
	if err := e.Configure(map[string]string{SettingEndpointURL: st.URL()}); err != nil {
		t.Fatal(err)
	}
	frameworktest.ConformanceWith(t, e, frameworktest.Options{Name: "cloudscan",
		Targets: []signatures.Config{euWest1},
		Params:  map[string]any{"retry_max_backoff": "5ms"}})
	if len(st.seen()) == 0 {
		t.Error("the live inject made no call to the stand-in")
	}
}
