package openaev_test

import (
	"slices"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestCloudProviderDefaultOfReadyInject: OpenAEV 2.4.0 executes an
// inject whose mandatory text field is absent or blank when the field's
// default is not blank (openaevtest.ContentChecks: InjectModelHelper
// .isFieldValid takes the default as the value), and dispatches it as it
// is: a cloud inject made without the form (the API, an import) that
// leaves cloud_provider out runs, and the injector must read the field's
// default, "aws", as the platform did. One the platform finds incomplete
// is never dispatched; injectkit refuses it alike.
func TestCloudProviderDefaultOfReadyInject(t *testing.T) {
	e, _, _ := categoryEnv(t)
	cloud := framework.Manifest{Name: "cloudy", Category: framework.Cloud, // categoryEnv's fields
		Expectations: []framework.ExpectationType{framework.Detection},
	}
	cs, err := e.client.Contracts([]framework.Manifest{cloud}, openaev.PlatformVersion{})
	if err != nil {
		t.Fatal(err)
	}
	contract := cs[0].Content
	const account, region = "123456789012", "eu-west-1"
	tests := []struct {
		name    string
		content map[string]any
		unset   []string // what the platform finds unset
		wantErr string
	}{
		{"provider left out", map[string]any{"cloud_account_id": account, "cloud_region": region}, nil, ""},
		{"provider empty", map[string]any{"cloud_provider": "", "cloud_account_id": account, "cloud_region": region}, nil, ""},
		{"provider blank", map[string]any{"cloud_provider": "  ", "cloud_account_id": account, "cloud_region": region}, nil, ""},
		{"provider null", map[string]any{"cloud_provider": nil, "cloud_account_id": account, "cloud_region": region}, nil, ""},
		{"provider given", map[string]any{"cloud_provider": "aws", "cloud_account_id": account, "cloud_region": region}, nil, ""},
		{"account left out", map[string]any{"cloud_region": region}, []string{"cloud_account_id"},
			"invalid inject_content.cloud_account_id: required"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unset, err := openaevtest.ContentChecks(contract, tt.content, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(unset, tt.unset) {
				t.Fatalf("the platform finds %v unset, want %v", unset, tt.unset)
			}
			req, ok := e.translate(t, e.message(t, "inj-c", cloud.Name, tt.content, nil, nil), tt.wantErr)
			if !ok {
				return
			}
			if len(req.Targets) != 1 || req.Targets[0].CloudProvider != "aws" || req.Targets[0].CloudAccountID != account {
				t.Errorf("targets %+v, want one on aws, account %s", req.Targets, account)
			}
		})
	}
}
