package cloudscan_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Every package cloudscan links is initialised at every start of the
// injectkit binary, whatever the command (`run nmap`, `version`): Go runs
// the init of each linked package. aws-sdk-go-v2's service/iam from v1.65.0
// (2026-11-10, "Enable schema-based (de)serialization", nothing else in its
// change log) adds the package iam/schemas, whose init builds a schema for
// each of IAM's shapes: 637 KB and 3 600 allocations, about 160 page faults
// and 1.7 million instructions, the largest package init of the binary
// (BENCHMARKS.md, "Issue 18, thirty-fifth session — nmap fixed cost").
// v1.64.9 serialises IAM's requests with the generated code that came
// before (the same awsQuery wire form) and has no such package. Moving iam
// to a version with it again is a choice to weigh against that cost, not a
// routine bump: this test says so.
func TestCloudscanLinksNoIAMSchemaPackage(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "github.com/injectkit/injectkit/injectors/cloudscan").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if !slices.Contains(deps, "github.com/aws/aws-sdk-go-v2/service/iam") {
		t.Fatalf("go list -deps does not list service/iam, which cloudscan uses: %q", deps)
	}
	if slices.Contains(deps, "github.com/aws/aws-sdk-go-v2/service/iam/schemas") {
		t.Error("cloudscan links github.com/aws/aws-sdk-go-v2/service/iam/schemas (service/iam v1.65.0 or later): " +
			"its init runs at every start of every command; see the comment above")
	}
}
