package callback

import (
	"context"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/transport/wirejson"
)

// TestLeastBound checks that the bound Received compares with the room of
// a body is never below the exact encoded size of a least payload target,
// whatever its category, its attribution and the escaping of its values.
func TestLeastBound(t *testing.T) {
	long := strings.Repeat("a", 63) + "." + strings.Repeat("b", 63) + ".example"
	nasty := "<&>\"\\\x01\u2028\xff" + strings.Repeat("é", 20)
	ids := strings.NewReplacer("\x01", "", "\u2028", "").Replace(nasty)
	types := []string{"DETECTION", "PREVENTION", "VULNERABILITY"}
	tests := []struct {
		name string
		spec runtime.TargetSpec
	}{
		{"ipv4", runtime.TargetSpec{Value: "10.0.0.1"}},
		{"ipv6 with zone", runtime.TargetSpec{Value: "fe80::1%eth0"}},
		{"host name", runtime.TargetSpec{TargetHostname: long}},
		// Platform ids hold no control nor format character, but escapes.
		{"attributed", runtime.TargetSpec{Value: "10.0.0.1", Agent: ids, Asset: ids, AssetGroup: ids}},
		{"cloud", runtime.TargetSpec{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3"}},
		// A query may hold no control character but white space.
		{"external", runtime.TargetSpec{Query: strings.ReplaceAll(nasty, "\x01", "\n"), TargetHostname: long}},
	}
	reg := framework.NewRegistry()
	reg.Register("fake", func() framework.Executor { return &frameworktest.Executor{} })
	for _, tt := range tests {
		for n := 1; n <= len(types); n++ {
			t.Run(tt.name, func(t *testing.T) {
				p, err := runtime.New(reg).Validate(context.Background(), runtime.Request{InjectID: "inj-1", Injector: "fake",
					ExpectationTypes: types[:n], Targets: []runtime.TargetSpec{tt.spec}})
				if err != nil {
					t.Fatal(err)
				}
				for i, pt := range p.LeastPayloadTargets() {
					size, _, err := wirejson.TargetSize(pt, nil)
					if err != nil {
						t.Fatal(err)
					}
					if b := leastBound(p.Targets[i]); b < size {
						t.Errorf("%d types: bound %d < exact size %d", n, b, size)
					}
				}
			})
		}
	}
}
