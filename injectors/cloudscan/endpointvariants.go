package cloudscan

import (
	"context"
	"fmt"
	"os"
	"slices"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/signatures"
)

// The variables and profile keys that ask the SDK for FIPS or dual-stack
// endpoints.
const (
	envUseFIPS      = "AWS_USE_FIPS_ENDPOINT"
	envUseDualStack = "AWS_USE_DUALSTACK_ENDPOINT"
	keyUseFIPS      = "use_fips_endpoint"
	keyUseDualStack = "use_dualstack_endpoint"
)

// checkEndpointVariants refuses FIPS or dual-stack endpoints asked for
// (AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT, else the loaded
// profile's use_fips_endpoint, use_dualstack_endpoint, as the SDK takes
// them) beside an endpoint given that every inject needs: the
// endpoint_url setting, or one the SDK takes from its configuration
// (configuredEndpoints) for STS, which proves the credentials' account
// before any check, or for a service of the credential chain (SSO,
// Signin). The SDK's endpoint rules resolve no endpoint then ("Invalid
// Configuration: FIPS and custom endpoint are not supported"), and every
// inject would fail before any check is sent. One given for a checked
// service alone (AWS_ENDPOINT_URL_S3, a VPC endpoint beside FIPS) is not
// refused: only that service's checks fail, the others resolve theirs.
// The error names where the variant is asked for, and the endpoint (its
// credentials masked).
func checkEndpointVariants(files *sdkFiles, setting, endpoint string) error {
	env, err := config.NewEnvConfig()
	if err != nil {
		return nil // checkEnvConfig refuses it
	}
	given := ""
	if endpoint != "" {
		given = fmt.Sprintf("%s.%s %q", Name, SettingEndpointURL, httpx.MaskURL(endpoint))
	} else {
		for _, ep := range configuredEndpoints(files, setting) {
			if ep.service == sdkServices[0] || !slices.Contains(sdkServices, ep.service) { // STS, or the chain's
				given = fmt.Sprintf("%s %q", ep.field, httpx.MaskURL(ep.value))
				break
			}
		}
	}
	if given == "" {
		return nil
	}
	profile := profileSources(setting)[0].profile
	shared, err := config.LoadSharedConfigProfile(context.Background(), profile, files.sharedOptions)
	if err != nil {
		shared = config.SharedConfig{}
	}
	variants := []struct {
		env, key, name    string
		envSet, envOn, on bool // on: the profile's
		sdkSays           string
	}{
		{envUseFIPS, keyUseFIPS, "FIPS", env.UseFIPSEndpoint != aws.FIPSEndpointStateUnset,
			env.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled, shared.UseFIPSEndpoint == aws.FIPSEndpointStateEnabled,
			"FIPS and custom endpoint are not supported"},
		{envUseDualStack, keyUseDualStack, "dual-stack", env.UseDualStackEndpoint != aws.DualStackEndpointStateUnset,
			env.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled, shared.UseDualStackEndpoint == aws.DualStackEndpointStateEnabled,
			"Dualstack and custom endpoint are not supported"},
	}
	for _, v := range variants {
		on, field, value, undo := v.envOn, v.env, os.Getenv(v.env), "unset "+v.env
		if !v.envSet {
			on, field, value, undo = v.on, files.where(profile+"."+v.key, v.key), "true", "remove the line"
		}
		if !on {
			continue
		}
		return &signatures.ValidationError{Field: field, Value: value,
			Reason: fmt.Sprintf("asks for %s endpoints, which the AWS SDK does not resolve beside an endpoint given (%s): "+
				"every inject would fail unsent (%q); %s, or leave the endpoint out", v.name, given, v.sdkSays, undo)}
	}
	return nil
}
