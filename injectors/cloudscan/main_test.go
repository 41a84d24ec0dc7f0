package cloudscan

import (
	"os"
	"testing"
)

// TestMain cuts every test of the package off the instance metadata
// service (169.254.169.254), which the SDK's credential chain tries when
// nothing else gives credentials, whether or not the test calls
// setAWSEnv: tests reach loopback only.
func TestMain(m *testing.M) {
	os.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	os.Exit(m.Run())
}
