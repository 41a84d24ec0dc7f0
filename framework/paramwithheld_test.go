package framework_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

type keyedParams struct {
	Port      int    `json:"port"`
	AuthToken string `json:"auth_token"`
}

// Validate refuses a short auth_token, or one not starting with tok_,
// quoting it, as an injector may.
func (p *keyedParams) Validate() error {
	switch {
	case p.AuthToken == "":
	case len(p.AuthToken) < 8:
		return &signatures.ValidationError{Field: "auth_token", Value: p.AuthToken, Reason: "too short"}
	case !strings.HasPrefix(p.AuthToken, "tok_"):
		return &signatures.ValidationError{Field: "auth_token", Value: p.AuthToken, Reason: "required to start with tok_"}
	}
	return nil
}

// keyholder has a secret setting and a plain one, and a param named like a
// secret.
type keyholder struct{}

func (keyholder) Execute(context.Context, *framework.Inject) framework.ToolOutput {
	return framework.ToolOutput{}
}
func (keyholder) NewParams() any { return &keyedParams{Port: 80} }
func (k keyholder) Manifest() framework.Manifest {
	return framework.Manifest{Name: "keyed", Params: framework.MustParamsSpec(k.NewParams()), Settings: []framework.Setting{
		{Key: "api_key", Env: "KEYED_API_KEY", Secret: true},
		{Key: "base_url"},
	}}
}

// A refused param named as a setting, or like a secret, or unknown
// (whatever its name), never has its value quoted, whichever step refuses
// it; an unknown one naming a setting is told where the setting goes.
// Other known params keep their value.
func TestParamValueWithheld(t *testing.T) {
	const value = "s3cr3t/Kéy+1"
	m := keyholder{}.Manifest()
	const keyHint = "api_key is a setting of keyed: give it as env KEYED_API_KEY or keyed.api_key in the config file"
	tests := []struct {
		key, value string
		want       string // the error's text, whole
	}{
		{"api_key", value, "invalid params.api_key (value withheld): unknown parameter (known: auth_token, port); " + keyHint},
		{"API_Key", value, "invalid params.API_Key (value withheld): unknown parameter (known: auth_token, port); " + keyHint},
		{"base_url", value, "invalid params.base_url (value withheld): unknown parameter (known: auth_token, port); " +
			"base_url is a setting of keyed: give it as keyed.base_url in the config file"},
		{"aws_secret_access_key", value, "invalid params.aws_secret_access_key (value withheld): unknown parameter (known: auth_token, port)"},
		{"X-Api-Key", value, "invalid params.X-Api-Key (value withheld): unknown parameter (known: auth_token, port)"},
		{"SessionToken", value, "invalid params.SessionToken (value withheld): unknown parameter (known: auth_token, port)"},
		{"db.password", value, "invalid params.db.password (value withheld): unknown parameter (known: auth_token, port)"},
		{"credentials", value, "invalid params.credentials (value withheld): unknown parameter (known: auth_token, port)"},
		{"auth_token", "short", "invalid params.auth_token (value withheld): too short"},
		{"auth_token", value, "invalid params.auth_token (value withheld): required to start with tok_"},
		{"outcome", "s3cr3t", "invalid params.outcome (value withheld): unknown parameter (known: auth_token, port)"},
		{"pwd", "SEKRETE", "invalid params.pwd (value withheld): unknown parameter (known: auth_token, port)"},
		{"bearer", "SEKRETE", "invalid params.bearer (value withheld): unknown parameter (known: auth_token, port)"},
		{"pat", "ghp_SEKRETE", "invalid params.pat (value withheld): unknown parameter (known: auth_token, port)"},
		{"aws_access_key_id", "AKIASEKRETE", "invalid params.aws_access_key_id (value withheld): unknown parameter (known: auth_token, port)"},
		{"Port", "SEKRETE", "invalid params.Port (value withheld): unknown parameter; keys are case-sensitive: write port"},
	}
	ex := keyholder{}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			var refusals []error
			if _, err := m.ParseParam(tt.key, tt.value); err != nil || tt.key != "auth_token" {
				refusals = append(refusals, err) // auth_token's value is refused by Validate alone
			}
			_, err := framework.DecodeParams(ex, map[string]any{tt.key: tt.value})
			refusals = append(refusals, err)
			if tt.key == "auth_token" {
				refusals = append(refusals, framework.CheckParams(ex, &keyedParams{AuthToken: tt.value}))
			}
			for i, err := range refusals {
				var ve *signatures.ValidationError
				if err == nil || err.Error() != tt.want || !errors.As(err, &ve) {
					t.Errorf("refusal %d: %v, want a *signatures.ValidationError saying %q", i, err, tt.want)
					continue
				}
				if strings.Contains(tt.want, "withheld") && (ve.Value != "" || !ve.Withheld) {
					t.Errorf("refusal %d holds the value: %+v", i, ve)
				}
			}
		})
	}
}

// A required param named like a secret, given no value, is refused as
// any other: there is no value to withhold.
func TestParamRequiredSecretNotWithheld(t *testing.T) {
	type p struct {
		Token string `json:"token" param:"required"`
	}
	_, err := framework.DecodeParams(withParams[p]{}, map[string]any{"token": nil})
	if want := `invalid params.token "null": required: null is no value`; err == nil || err.Error() != want {
		t.Errorf("DecodeParams = %v, want %s", err, want)
	}
}
