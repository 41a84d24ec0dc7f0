package cloudscan

import (
	"os"
	"regexp"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/signatures"
)

// awsVariable finds the variable an error of the SDK's reader of the
// environment names (its errors have no type: "invalid value for
// environment variable, AWS_USE_FIPS_ENDPOINT=1, need true, false").
var awsVariable = regexp.MustCompile(`AWS_[A-Z0-9_]+`)

// checkEnvConfig refuses an environment the SDK's reader of it refuses
// (config.NewEnvConfig): a variable it parses (a switch other than true
// or false, AWS_MAX_ATTEMPTS not a number, an unknown AWS_RETRY_MODE…)
// holding a value it does not take. The SDK reads the environment with
// each inject and fails before any call on such a value, so every inject
// would fail; the profile checks, reading it as the SDK does, would read
// nothing. The error names the variable and its value.
func checkEnvConfig() error {
	_, err := config.NewEnvConfig()
	if err == nil {
		return nil
	}
	name := awsVariable.FindString(err.Error())
	if name == "" && strings.Contains(err.Error(), "min request compression size bytes") {
		name = "AWS_REQUEST_MIN_COMPRESSION_SIZE_BYTES" // the one error that does not name it
	}
	if name == "" {
		return &signatures.ValidationError{Field: "AWS SDK environment",
			Reason: "the AWS SDK refuses it (" + err.Error() + "), and would fail every inject: correct the variable it names"}
	}
	return &signatures.ValidationError{Field: name, Value: os.Getenv(name),
		Reason: "the AWS SDK refuses it (" + err.Error() + ") when it reads its environment with each inject, " +
			"and would fail every inject: correct it, or unset " + name}
}
