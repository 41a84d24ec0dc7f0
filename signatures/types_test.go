package signatures_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

func TestParseExpectationType(t *testing.T) {
	tests := []struct {
		in      string
		want    signatures.ExpectationType
		wantErr bool
	}{
		{"DETECTION", signatures.Detection, false},
		{"detection", signatures.Detection, false},
		{"Prevention", signatures.Prevention, false},
		{" vulnerability\n", signatures.Vulnerability, false},
		{"", "", true},
		{"DETECT", "", true},
		{"detections", "", true},
		{"human_response", "", true},
	}
	for _, tt := range tests {
		got, err := signatures.ParseExpectationType(tt.in)
		if got != tt.want {
			t.Errorf("ParseExpectationType(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if tt.wantErr {
			wantValidation(t, err, "expectation_type", tt.in)
			for _, v := range signatures.ExpectationTypes() {
				if err != nil && !strings.Contains(err.Error(), string(v)) {
					t.Errorf("error %q does not list %s", err, v)
				}
			}
		} else if err != nil {
			t.Errorf("ParseExpectationType(%q): %v", tt.in, err)
		}
	}
}

func TestExpectationTypes(t *testing.T) {
	want := []signatures.ExpectationType{"DETECTION", "PREVENTION", "VULNERABILITY"}
	got := signatures.ExpectationTypes()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ExpectationTypes() = %q, want %q", got, want)
	}
	got[0] = "MUTATED"
	if signatures.ExpectationTypes()[0] != signatures.Detection {
		t.Error("ExpectationTypes returns shared state")
	}
	for _, tt := range []struct {
		t    signatures.ExpectationType
		want bool
	}{{signatures.Detection, true}, {signatures.Prevention, true}, {signatures.Vulnerability, true}, {"detection", false}, {"", false}} {
		if got := tt.t.Valid(); got != tt.want {
			t.Errorf("%q.Valid() = %v, want %v", tt.t, got, tt.want)
		}
	}
}

func TestParseCategory(t *testing.T) {
	tests := []struct {
		in      string
		want    signatures.Category
		wantErr bool
	}{
		{"network", signatures.Network, false},
		{"Cloud", signatures.Cloud, false},
		{"EXTERNAL", signatures.External, false},
		{"", "", true},
		{"nettwork", "", true},
	}
	for _, tt := range tests {
		got, err := signatures.ParseCategory(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseCategory(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil && (!strings.Contains(err.Error(), `"`+tt.in+`"`) || !strings.Contains(err.Error(), "network, cloud, external")) {
			t.Errorf("error %q does not name the value and the valid ones", err)
		}
	}
}

// TestSignatureTypeLabels pins the labels the platform and its collectors
// parse; a typo here silently breaks matching on the platform side.
func TestSignatureTypeLabels(t *testing.T) {
	tests := []struct {
		got  signatures.SignatureType
		want string
	}{
		{signatures.ParentProcessName, "parent_process_name"},
		{signatures.SourceIPv4Address, "source_ipv4_address"},
		{signatures.SourceIPv6Address, "source_ipv6_address"},
		{signatures.TargetIPv4Address, "target_ipv4_address"},
		{signatures.TargetIPv6Address, "target_ipv6_address"},
		{signatures.TargetHostnameAddress, "target_hostname_address"},
		{signatures.StartDate, "start_date"},
		{signatures.EndDate, "end_date"},
		{signatures.CloudProviderType, "cloud_provider"},
		{signatures.CloudAccountIDType, "cloud_account_id"},
		{signatures.CloudRegionType, "cloud_region"},
		{signatures.TargetServiceType, "target_service"},
		{signatures.QueryType, "query"},
	}
	for _, tt := range tests {
		if string(tt.got) != tt.want {
			t.Errorf("SignatureType %q, want %q", tt.got, tt.want)
		}
	}
}

func TestIsCoreField(t *testing.T) {
	core := []string{
		signatures.FieldSourceIPv4, signatures.FieldSourceIPv6, signatures.FieldTargetIPv4, signatures.FieldTargetIPv6,
		signatures.FieldTargetHostname, signatures.FieldCloudProvider, signatures.FieldCloudAccountID, signatures.FieldCloudRegion,
		signatures.FieldTargetService, signatures.FieldQuery, signatures.FieldStartTime, signatures.FieldEndTime,
		signatures.FieldExecutionStatus, signatures.FieldPartialResults,
	}
	wantNames := []string{"source_ipv4", "source_ipv6", "target_ipv4", "target_ipv6", "target_hostname", "cloud_provider",
		"cloud_account_id", "cloud_region", "target_service", "query", "start_time", "end_time", "execution_status", "partial_results"}
	if !reflect.DeepEqual(core, wantNames) {
		t.Errorf("field names %q, want %q", core, wantNames)
	}
	for _, f := range core {
		if !signatures.IsCoreField(f) {
			t.Errorf("IsCoreField(%q) = false", f)
		}
	}
	for _, f := range []string{"", "parent_process_name", "source_ipv4_address", "START_TIME", "extra"} {
		if signatures.IsCoreField(f) {
			t.Errorf("IsCoreField(%q) = true", f)
		}
	}
}

func TestToolOutputExecutionStatus(t *testing.T) {
	tests := []struct {
		name string
		out  signatures.ToolOutput
		want signatures.ExecutionStatus
	}{
		{"zero", signatures.ToolOutput{}, signatures.StatusSuccess},
		{"success", signatures.ToolOutput{Status: signatures.StatusSuccess}, signatures.StatusSuccess},
		{"non-zero exit", signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 137}}, signatures.StatusFailed},
		{"zero exit", signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{Message: "warn"}}, signatures.StatusSuccess},
		{"timeout info", signatures.ToolOutput{TimeoutInfo: &signatures.TimeoutInfo{}}, signatures.StatusTimeout},
		{"partial", signatures.ToolOutput{Status: signatures.StatusPartial}, signatures.StatusPartial},
		{"failed status", signatures.ToolOutput{Status: signatures.StatusFailed}, signatures.StatusFailed},
		{"timeout status", signatures.ToolOutput{Status: signatures.StatusTimeout}, signatures.StatusTimeout},
		{"exit beats timeout", signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1}, TimeoutInfo: &signatures.TimeoutInfo{}}, signatures.StatusFailed},
	}
	for _, tt := range tests {
		if got := tt.out.ExecutionStatus(); got != tt.want {
			t.Errorf("%s: ExecutionStatus() = %q, want %q", tt.name, got, tt.want)
		}
	}
	if err := (signatures.ToolOutput{Status: "SUCCESS"}).Validate(); err == nil {
		t.Error(`Validate accepted status "SUCCESS"`)
	} else {
		wantValidation(t, err, "status", "SUCCESS")
	}
}

func TestErrorMessages(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{&signatures.ValidationError{Field: "targets[1].target_ipv4", Value: "x", Reason: "not an IPv4 address"},
			`invalid targets[1].target_ipv4 "x": not an IPv4 address`},
		{&signatures.ValidationError{Field: "query", Reason: "required"}, `invalid query: required`},
		{&signatures.TypeError{Index: 2, Type: "int"},
			`targets[2]: unsupported target type int (want string, map[string]any or NetworkConfig)`},
		{signatures.ErrNoConfigs, "no target configuration"},
	}
	for _, tt := range tests {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q, want %q", got, tt.want)
		}
	}
}

// Every core field and the platform's type of each is refused as an extra
// name; the collectors' other types (parent_process_name) are not.
func TestExtraNameError(t *testing.T) {
	for _, name := range []string{"", "target_ipv4", "start_time", "source_ipv4_address", "source_ipv6_address",
		"target_ipv4_address", "target_ipv6_address", "target_hostname_address", "start_date", "end_date",
		"cloud_provider", "query"} {
		if signatures.ExtraNameError(name) == "" {
			t.Errorf("extra %q accepted", name)
		}
	}
	for _, name := range []string{"parent_process_name", "open_ports", "command_line"} {
		if reason := signatures.ExtraNameError(name); reason != "" {
			t.Errorf("extra %q refused: %s", name, reason)
		}
	}
}

// ExtrasErrors refuses what ExtraNameError refuses, and of two or more
// extras of one map that differ only in case all but one: the one written
// as it folds (lower case), else the first in byte order.
func TestExtrasErrors(t *testing.T) {
	tests := []struct {
		name   string
		extras map[string]any
		want   []string // "key: reason", in order
	}{
		{"none", nil, nil},
		{"distinct names", map[string]any{"process_name": 1, "greeting": 2}, nil},
		{"a core name", map[string]any{"greeting": 1, "SOURCE_IPV4": 2},
			[]string{"SOURCE_IPV4: collides with a core signature field (source_ipv4, in another case)"}},
		{"upper and lower case", map[string]any{"PROCESS_NAME": 1, "process_name": 2},
			[]string{"PROCESS_NAME: collides with another extra (process_name, in another case)"}},
		{"three cases", map[string]any{"Process_Name": 1, "PROCESS_NAME": 2, "process_name": 3},
			[]string{"PROCESS_NAME: collides with another extra (process_name, in another case)",
				"Process_Name: collides with another extra (process_name, in another case)"}},
		{"none in lower case", map[string]any{"Process_Name": 1, "PROCESS_NAME": 2},
			[]string{"Process_Name: collides with another extra (PROCESS_NAME, in another case)"}},
		{"folded as Java folds", map[string]any{"\u017fhell": 1, "shell": 2},
			[]string{"\u017fhell: collides with another extra (shell, in another case)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for k, reason := range signatures.ExtrasErrors(tt.extras) {
				got = append(got, k+": "+reason)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ExtrasErrors = %q, want %q", got, tt.want)
			}
		})
	}
}
