package openaev_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
	"github.com/injectkit/injectkit/injectors/nmap"
	"github.com/injectkit/injectkit/injectors/noop"
	"github.com/injectkit/injectkit/injectors/query"
	"github.com/injectkit/injectkit/openaev"
)

// TestContractsHoldNoTargetedAssetField: 2.4.0 resolves a contract's
// targeted-asset fields for every callback of its injects, before storing
// anything, and loses the callback when it cannot (openaevtest, rule 20):
// a field of that type in one of injectkit's contracts would cost every
// result of an inject that does not fill it as the platform's implant
// payloads do. No manifest makes one: every field of every category's
// contract, with a param of each type (named to look like the platform's
// keys too, as far as a param name may: no hyphen, so no key starts with
// "targeted-property"), and of the reference injectors' contracts, on both lines, is
// of a type the form knows, none targeted-asset.
func TestContractsHoldNoTargetedAssetField(t *testing.T) {
	known := map[string]bool{"text": true, "number": true, "checkbox": true, "select": true, "asset": true,
		"asset-group": true, "expectation": true}
	params := []framework.Param{
		{Name: "targeted_asset", Type: framework.ParamString},
		{Name: "targeted_property", Type: framework.ParamEnum, Enum: []string{"hostname", "seen_ip"}},
		{Name: "count", Type: framework.ParamInt, Default: "3"},
		{Name: "verbose", Type: framework.ParamBool},
		{Name: "wait", Type: framework.ParamDuration},
	}
	ms := []framework.Manifest{nmap.New().Manifest(), query.New().Manifest(), cloudscan.New().Manifest(), noop.New().Manifest()}
	for _, c := range []framework.Category{"", framework.Category("network"), framework.Category("external"), framework.Category("cloud")} {
		ms = append(ms, framework.Manifest{Name: "every-param-" + string(c), Category: c, Params: params,
			Expectations: []framework.ExpectationType{framework.Detection}})
	}
	for _, v := range []openaev.PlatformVersion{current, v24} {
		contracts, err := offlineClient(t).Contracts(ms, v)
		if err != nil {
			t.Fatal(err)
		}
		if len(contracts) != len(ms) {
			t.Fatalf("%d contracts for %d manifests", len(contracts), len(ms))
		}
		for i, c := range contracts {
			var doc struct {
				Fields []struct {
					Key  string `json:"key"`
					Type string `json:"type"`
				} `json:"fields"`
			}
			if err := json.Unmarshal([]byte(c.Content), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Fields) == 0 {
				t.Fatalf("%s: no fields", ms[i].Name)
			}
			for _, f := range doc.Fields {
				if !known[f.Type] || strings.Contains(f.Type, "targeted") {
					t.Errorf("%+v, %s: field %s of type %q", v, ms[i].Name, f.Key, f.Type)
				}
			}
		}
	}
}
