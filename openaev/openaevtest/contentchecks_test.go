package openaevtest_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// TestContentChecks: the fields 2.4.0 finds unset before it runs an inject
// (HealthCheckUtils.runContentChecks over InjectModelHelper.isFieldSet).
func TestContentChecks(t *testing.T) {
	fields := []any{
		map[string]any{"key": "target_selector", "type": "select", "mandatory": true, "cardinality": "1"},
		map[string]any{"key": "assets", "type": "asset", "mandatory": false,
			"mandatoryConditionFields": []any{"target_selector"}, "mandatoryConditionValues": map[string]any{"target_selector": "assets"}},
		map[string]any{"key": "targets", "type": "text", "mandatory": false, "defaultValue": "",
			"mandatoryConditionFields": []any{"target_selector"}, "mandatoryConditionValues": map[string]any{"target_selector": []any{"manual"}}},
		map[string]any{"key": "provider", "type": "text", "mandatory": true, "defaultValue": "aws"},
		map[string]any{"key": "account", "type": "text", "mandatory": true, "defaultValue": " "},
		map[string]any{"key": "a", "type": "text", "mandatory": false, "mandatoryGroups": []any{"a", "b"}},
		map[string]any{"key": "b", "type": "number", "mandatory": false},
	}
	b, _ := json.Marshal(map[string]any{"fields": fields})
	contract := string(b)
	full := func(edit map[string]any) map[string]any {
		c := map[string]any{"target_selector": "assets", "account": "1", "a": "x"}
		for k, v := range edit {
			if v == "DELETE" {
				delete(c, k)
				continue
			}
			c[k] = v
		}
		return c
	}
	tests := []struct {
		name    string
		content map[string]any
		assets  []string
		unset   []string
	}{
		{"complete", full(nil), []string{"a1"}, nil},
		{"assets selected, none given", full(nil), nil, []string{"assets"}},
		{"manual, no targets", full(map[string]any{"target_selector": "manual"}), nil, []string{"targets"}},
		{"manual targets", full(map[string]any{"target_selector": "manual", "targets": "h"}), nil, nil},
		{"no selector", full(map[string]any{"target_selector": "DELETE"}), nil, []string{"target_selector"}},
		{"selector null is set", full(map[string]any{"target_selector": nil}), nil, nil},
		{"a blank default is no value", full(map[string]any{"account": ""}), []string{"a1"}, []string{"account"}},
		{"a list is no text", full(map[string]any{"account": []any{"1"}}), []string{"a1"}, []string{"account"}},
		{"a text's null reads null", full(map[string]any{"account": nil}), []string{"a1"}, nil},
		{"one of the group", full(map[string]any{"a": "DELETE", "b": 3}), []string{"a1"}, nil},
		{"none of the group", full(map[string]any{"a": "DELETE"}), []string{"a1"}, []string{"a", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			unset, err := openaevtest.ContentChecks(contract, tt.content, tt.assets, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(unset, tt.unset) {
				t.Errorf("unset %v, want %v", unset, tt.unset)
			}
		})
	}
	if _, err := openaevtest.ContentChecks(`{"fields":[{"key":"x","type":"text"}]}`, nil, nil, nil); err == nil {
		t.Error("a field without mandatory checked, want the platform's NullPointerException")
	}
}
