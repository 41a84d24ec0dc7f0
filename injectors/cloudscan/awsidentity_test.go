package cloudscan

import (
	"errors"
	"fmt"
	"net"
	"testing"

	"github.com/aws/smithy-go"
)

// TestRegionRefused checks which failures of the identity call send it to
// the partition's global region: those a region may cause, not those of
// the credentials or the caller's rights.
func TestRegionRefused(t *testing.T) {
	api := func(code string) error {
		return fmt.Errorf("sts get caller identity: %w", &smithy.GenericAPIError{Code: code, Message: "m"})
	}
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"opt-in region not enabled", api("InvalidClientTokenId"), true},
		{"regional STS endpoint deactivated", api("RegionDisabledException"), true},
		{"host that does not resolve", fmt.Errorf("send: %w", &net.DNSError{Err: "no such host", Name: "sts.xx-east-9.amazonaws.com", IsNotFound: true}), true},
		{"access denied", api("AccessDenied"), false},
		{"expired token", api("ExpiredToken"), false},
		{"connection refused", errors.New("dial tcp 127.0.0.1:1: connect: connection refused"), false},
	}
	for _, tt := range tests {
		if got := regionRefused(tt.err); got != tt.want {
			t.Errorf("%s: regionRefused = %v, want %v", tt.name, got, tt.want)
		}
	}
}
