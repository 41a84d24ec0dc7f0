package cloudscan

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/injectkit/injectkit/signatures"
)

// A variable the SDK's reader of its environment refuses fails its
// loading with every inject, before any call; it is refused when the
// executor is configured (run and validate exit 2, serve at its start),
// naming the variable and its value. A value the SDK takes is not
// refused. The SDK is the judge of which it refuses.
func TestEnvConfigChecked(t *testing.T) {
	tests := []struct {
		name, value string
		refused     bool
	}{
		{"AWS_USE_FIPS_ENDPOINT", "1", true},
		{"AWS_USE_DUALSTACK_ENDPOINT", "yes", true},
		{"AWS_RETRY_MODE", "Standard", true},
		{"AWS_RETRY_MODE", "adaptive", false},
		{"AWS_MAX_ATTEMPTS", "abc", true},
		{"AWS_MAX_ATTEMPTS", "5", false},
		{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "1", true},
		{"AWS_S3_USE_ARN_REGION", "maybe", true},
		{"AWS_DEFAULTS_MODE", "fast", true},
		{"AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES", "-1", true},
		{"AWS_EC2_METADATA_DISABLED", "1", false}, // read by the IMDS client alone, which takes any value
	}
	for _, tt := range tests {
		t.Run(tt.name+"="+tt.value, func(t *testing.T) {
			setAWSEnv(t)
			t.Setenv(tt.name, tt.value)
			if _, sdkErr := config.LoadDefaultConfig(context.Background()); (sdkErr != nil) != tt.refused {
				t.Fatalf("the SDK's loading: %v; the case expects a refusal: %v", sdkErr, tt.refused)
			}
			err := New().Configure(map[string]string{SettingEndpointURL: "http://127.0.0.1:9"})
			if !tt.refused {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.name || ve.Value != tt.value ||
				!strings.Contains(ve.Reason, "would fail every inject: correct it, or unset "+tt.name) {
				t.Fatalf("error %v, want %s %q refused", err, tt.name, tt.value)
			}
		})
	}
}

// run and validate refuse such a variable with exit 2 before anything is
// sent or stored, where each inject used to fail at run time (exit 3,
// "the aws configuration could not be loaded").
func TestCLIRefusesEnvConfig(t *testing.T) {
	setAWSEnv(t)
	t.Setenv("AWS_RETRY_MODE", "Standard")
	st := newStandIn(t, nil, fixtures())
	for _, cmd := range []string{"run", "validate"} {
		t.Run(cmd, func(t *testing.T) {
			refusedBeforeAnything(t, st, cmd, endpointEnv(st.URL()), `invalid AWS_RETRY_MODE "Standard": the AWS SDK refuses it`)
		})
	}
}
