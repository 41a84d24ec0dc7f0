package cloudscan

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/signatures"
)

// isRead reports whether an SDK client method only reads.
func isRead(name string) bool {
	for _, p := range []string{"Get", "List", "Describe", "Head"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return name == "Options"
}

// sdkCredentialCall holds the STS calls the SDK's credential chain makes
// on its own, which the package forwards (sessionAssumeRole: to learn the
// credentials they are signed with; sessionWebIdentity: the token sent)
// but never makes: they change nothing in the account.
var sdkCredentialCall = map[string]bool{"AssumeRole": true, "AssumeRoleWithWebIdentity": true}

// calledMethods returns the names called as x.Name(…) in the package's
// non-test sources.
func calledMethods(t *testing.T) map[string]bool {
	t.Helper()
	entries, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	called := map[string]bool{}
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if call, ok := n.(*ast.CallExpr); ok {
				if sel, ok := call.Fun.(*ast.SelectorExpr); ok {
					called[sel.Sel.Name] = true
				}
			}
			return true
		})
	}
	return called
}

// TestReadOnly: no write operation of the SDK clients is called anywhere in
// the package, and the interfaces the checks read through hold reads only.
func TestReadOnly(t *testing.T) {
	called := calledMethods(t)
	if !called["GetCallerIdentity"] || !called["GetBucketAcl"] || !called["NewDescribeSecurityGroupsPaginator"] {
		t.Fatal("the source scan misses known calls: it is broken")
	}
	for name := range called {
		if op, ok := strings.CutSuffix(strings.TrimPrefix(name, "New"), "Paginator"); ok && strings.HasPrefix(name, "New") && !isRead(op) {
			t.Errorf("the package pages through %s, which is not a read", op)
		}
	}
	for _, client := range []any{&s3.Client{}, &ec2.Client{}, &iam.Client{}, &sts.Client{}} {
		typ := reflect.TypeOf(client)
		for i := 0; i < typ.NumMethod(); i++ {
			if name := typ.Method(i).Name; !isRead(name) && called[name] && !sdkCredentialCall[name] {
				t.Errorf("the package calls %s.%s, which is not a read", typ.Elem(), name)
			}
		}
	}
	for _, it := range []reflect.Type{reflect.TypeFor[s3API](), reflect.TypeFor[ec2API](), reflect.TypeFor[iamAPI]()} {
		for i := 0; i < it.NumMethod(); i++ {
			if name := it.Method(i).Name; !isRead(name) {
				t.Errorf("%s holds %s, which is not a read", it, name)
			}
		}
	}
}

// region64 has the form of an AWS region and 64 characters, one more than
// a host label holds.
var region64 = "us-" + strings.Repeat("a", 59) + "-1"

func TestValidateTargets(t *testing.T) {
	cloud := func(c signatures.CloudConfig) framework.Target { return framework.Target{Config: c} }
	aws := func(account, region string) framework.Target {
		return cloud(signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: account, CloudRegion: region})
	}
	tests := []struct {
		name      string
		targets   []framework.Target
		wantField string
		wantValue string
	}{
		{"ok", []framework.Target{cloud(euWest1), cloud(usEast1)}, "", ""},
		{"ok, sovereign cloud region", []framework.Target{aws("123456789012", "eusc-de-east-1")}, "", ""},
		{"ok, region of 63 characters", []framework.Target{aws("123456789012", strings.Replace(region64, "aa", "a", 1))}, "", ""},
		{"ok with service", []framework.Target{cloud(signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "000000000001", CloudRegion: "us-gov-west-1", TargetService: "iam"})}, "", ""},
		{"none", nil, "targets", ""},
		{"gcp", []framework.Target{cloud(euWest1), cloud(signatures.CloudConfig{CloudProvider: "gcp", CloudAccountID: "p", CloudRegion: "r"})},
			"targets[1].cloud_provider", "gcp"},
		{"azure", []framework.Target{cloud(signatures.CloudConfig{CloudProvider: "azure", CloudAccountID: "s", CloudRegion: "r"})},
			"targets[0].cloud_provider", "azure"},
		{"upper-case provider", []framework.Target{cloud(signatures.CloudConfig{CloudProvider: "AWS", CloudAccountID: "1", CloudRegion: "r"})},
			"targets[0].cloud_provider", "AWS"},
		{"unknown service", []framework.Target{cloud(signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "rds"})},
			"targets[0].target_service", "rds"},
		// An AWS account id is twelve digits: any other could never match
		// the credentials' account.
		{"aws account too short", []framework.Target{aws("12345", "r")},
			"targets[0].cloud_account_id", "12345"},
		{"aws account not digits", []framework.Target{cloud(euWest1), aws("12345678901a", "r")},
			"targets[1].cloud_account_id", "12345678901a"},
		{"aws account an alias", []framework.Target{aws("prod-account", "r")},
			"targets[0].cloud_account_id", "prod-account"},
		{"missing region", []framework.Target{aws("1", "")},
			"targets[0].cloud_region", ""},
		// An AWS region is a name the SDK builds endpoint hosts from
		// (sts.<region>.amazonaws.com): nothing else reaches it.
		{"aws region with a host in it", []framework.Target{aws("123456789012", "evil.com/x")},
			"targets[0].cloud_region", "evil.com/x"},
		{"aws region upper-case", []framework.Target{aws("123456789012", "EU-WEST-1")},
			"targets[0].cloud_region", "EU-WEST-1"},
		{"aws region without its number", []framework.Target{cloud(euWest1), aws("123456789012", "us-east")},
			"targets[1].cloud_region", "us-east"},
		{"aws region path", []framework.Target{aws("123456789012", "../../x")},
			"targets[0].cloud_region", "../../x"},
		// The SDK's endpoint rules take a region that is a host label
		// (at most 63 characters) and refuse any other at run time.
		{"aws region of 64 characters", []framework.Target{aws("123456789012", region64)},
			"targets[0].cloud_region", region64},
		{"network target", []framework.Target{{Config: signatures.NetworkConfig{TargetIPv4: "127.0.0.1"}}},
			"targets[0]", "signatures.NetworkConfig"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := New().ValidateTargets(tt.targets)
			ve := frameworktest.WantInvalid(t, err, tt.wantField)
			if ve == nil {
				return
			}
			if ve.Value != tt.wantValue {
				t.Errorf("err = %v, want the value %q", err, tt.wantValue)
			}
			if strings.HasSuffix(tt.wantField, "cloud_provider") && !strings.Contains(err.Error(), "supported: aws") {
				t.Errorf("error %q does not list the supported providers", err)
			}
		})
	}
}

// TestRegionRefusalNamesItsReason checks that a refused AWS region is said
// to be too long only when its length is what is wrong: a region with a
// character no region has is "not an AWS region", with examples, whatever
// its length up to a host label's.
func TestRegionRefusalNamesItsReason(t *testing.T) {
	const tooLong = "longer than the 63 characters"
	for _, tt := range []struct {
		region   string
		wantLong bool
	}{
		{"eu-west-1.evil", false},
		{"eu_west_1", false},
		{"eu..x", false},
		{"evil.com/x", false},
		{"EU-WEST-1", false},
		{strings.Replace(region64, "aa", ".", 1), false}, // 63 characters
		{region64, true},
		{region64 + "." + region64, true},
	} {
		t.Run(tt.region, func(t *testing.T) {
			err := New().ValidateTargets([]framework.Target{{Config: signatures.CloudConfig{
				CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: tt.region}}})
			ve := frameworktest.WantInvalid(t, err, "targets[0].cloud_region")
			if ve == nil {
				return
			}
			if got := strings.Contains(err.Error(), tooLong); got != tt.wantLong {
				t.Errorf("region %q (%d characters): %v; says it is too long: %t, want %t",
					tt.region, len(tt.region), err, got, tt.wantLong)
			}
			if !tt.wantLong && !strings.Contains(err.Error(), "e.g. eu-west-1") {
				t.Errorf("region %q: %v, want the examples of a region", tt.region, err)
			}
		})
	}
}
