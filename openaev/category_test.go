package openaev_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/framework/frameworktest"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/runtime"
)

// categoryEnv is an env whose processor also knows an external and a cloud
// injector (fakes declaring those categories).
func categoryEnv(t *testing.T) (*env, *frameworktest.Executor, *frameworktest.Executor) {
	t.Helper()
	e := newEnv(t)
	ext := &frameworktest.Executor{Category: framework.External}
	cloud := &frameworktest.Executor{Category: framework.Cloud,
		Output: framework.ToolOutput{Findings: map[string]any{"configs": []string{"s3 bucket public"}}}}
	e.registry.Register("extq", func() framework.Executor { return ext })
	e.registry.Register("cloudy", func() framework.Executor { return cloud })
	ms := append(testManifests(),
		framework.Manifest{Name: "extq", Category: framework.External,
			Expectations: []framework.ExpectationType{framework.Detection}},
		framework.Manifest{Name: "cloudy", Category: framework.Cloud,
			Expectations: []framework.ExpectationType{framework.Detection},
			Outputs:      []framework.Output{{Type: "cloud_finding", Field: "configs", Multiple: true}}})
	e.build(ms)
	return e, ext, cloud
}

func TestTranslateCategories(t *testing.T) {
	tests := []struct {
		name     string
		injector string
		content  map[string]any
		assets   []map[string]any
		want     []runtime.TargetSpec
		wantErr  string
	}{
		{name: "query alone", injector: "extq", content: map[string]any{"query": "apache port:443"},
			want: []runtime.TargetSpec{{Query: "apache port:443"}}},
		{name: "query narrowed to manual targets", injector: "extq",
			content: map[string]any{"query": "ssh", "target_selector": "manual", "targets": "192.0.2.1, web.example.com"},
			want:    []runtime.TargetSpec{{Query: "ssh", TargetIPv4: "192.0.2.1"}, {Query: "ssh", TargetHostname: "web.example.com"}}},
		{name: "query narrowed to assets, IPv6 asset skipped", injector: "extq",
			content: map[string]any{"query": "ssh", "target_selector": "assets"},
			assets: []map[string]any{asset("asset", "a1", "", "2001:db8::7", nil, "ag"),
				asset("asset", "a2", "web.example.com", "", nil)},
			want: []runtime.TargetSpec{{Query: "ssh", TargetHostname: "web.example.com", Asset: "a2"}}},
		{name: "query on a manual IPv6 target", injector: "extq",
			content: map[string]any{"query": "ssh", "target_selector": "manual", "targets": "2001:db8::1"},
			wantErr: `invalid inject_content.targets "2001:db8::1": an exposure query narrows to IPv4 addresses or host names only`},
		{name: "query only IPv6 assets", injector: "extq",
			content: map[string]any{"query": "ssh", "target_selector": "assets"},
			assets:  []map[string]any{asset("asset", "a1", "", "2001:db8::7", nil, "ag")},
			wantErr: "every target is an IPv6 address"},
		{name: "no query", injector: "extq", content: map[string]any{"targets": "192.0.2.1"},
			wantErr: "invalid inject_content.query: required"},
		{name: "cloud regions", injector: "cloudy",
			content: map[string]any{"cloud_provider": "aws", "cloud_account_id": "123456789012",
				"cloud_region": "eu-west-1, us-east-1,eu-west-1", "target_service": "s3"},
			want: []runtime.TargetSpec{
				{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "eu-west-1", TargetService: "s3"},
				{CloudProvider: "aws", CloudAccountID: "123456789012", CloudRegion: "us-east-1", TargetService: "s3"}}},
		{name: "cloud without account", injector: "cloudy",
			content: map[string]any{"cloud_provider": "aws", "cloud_region": "eu-west-1"},
			wantErr: "invalid inject_content.cloud_account_id: required"},
		{name: "cloud without region", injector: "cloudy",
			content: map[string]any{"cloud_provider": "aws", "cloud_account_id": "1", "cloud_region": " , "},
			wantErr: `invalid inject_content.cloud_region ",": no region`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := categoryEnv(t)
			req, ok := e.translate(t, e.message(t, "inj-1", tt.injector, tt.content, tt.assets, nil), tt.wantErr)
			if !ok {
				return
			}
			if !reflect.DeepEqual(req.Targets, tt.want) {
				t.Errorf("targets =\n%+v\nwant\n%+v", req.Targets, tt.want)
			}
		})
	}
}

func TestProcessCategories(t *testing.T) {
	e, ext, cloud := categoryEnv(t)
	body := e.message(t, "inj-q", "extq", map[string]any{"query": "ssh", "targets": "192.0.2.1"}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	calls := e.platform.Calls("inj-q")
	if got := calls[1].Body["execution_message"]; got != `Running extq on 1 target: query "ssh" on 192.0.2.1` {
		t.Errorf("trace %v", got)
	}
	if n := len(ext.Calls()); n != 1 {
		t.Fatalf("external executor ran %d times", n)
	}
	if c, ok := ext.Calls()[0].Targets[0].External(); !ok || c.Query != "ssh" || c.TargetIPv4 != "192.0.2.1" {
		t.Errorf("external target %+v", ext.Calls()[0].Targets[0])
	}

	body = e.message(t, "inj-c", "cloudy", map[string]any{"cloud_provider": "aws", "cloud_account_id": "123456789012",
		"cloud_region": "eu-west-1"}, nil, nil)
	if err := e.proc.Process(context.Background(), body); err != nil {
		t.Fatal(err)
	}
	done, ok := e.platform.Terminal("inj-c")
	if !ok || message(done.Body) != "cloudy on 1 target: succeeded (configs: 1)" {
		t.Fatalf("terminal %v", done.Body)
	}
	if n := len(cloud.Calls()); n != 1 {
		t.Fatalf("cloud executor ran %d times", n)
	}

	// A hostile region reaches no executor: the runtime's validation rejects it.
	body = e.message(t, "inj-h", "cloudy", map[string]any{"cloud_provider": "aws", "cloud_account_id": "1",
		"cloud_region": "-region"}, nil, nil)
	err := e.proc.Process(context.Background(), body)
	var me *openaev.MessageError
	if !errors.As(err, &me) || !strings.Contains(err.Error(), `"-region"`) {
		t.Fatalf("err = %v, want a MessageError naming the region", err)
	}
	if n := len(cloud.Calls()); n != 1 {
		t.Errorf("cloud executor ran on a hostile region")
	}
}

func TestContractFieldsPerCategory(t *testing.T) {
	e, _, _ := categoryEnv(t)
	ms := []framework.Manifest{{Name: "extq", Category: framework.External}, {Name: "cloudy", Category: framework.Cloud},
		{Name: "anything"}}
	contracts, err := e.client.Contracts(ms, openaev.PlatformVersion{Current: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		"query:text:true target_selector:select:false assets:asset:false asset_groups:asset-group:false " +
			"target_property_selector:select:false targets:text:false",
		"cloud_provider:text:true cloud_account_id:text:true cloud_region:text:true target_service:text:false",
		"target_selector:select:true assets:asset:false asset_groups:asset-group:false " +
			"target_property_selector:select:false targets:text:false",
	}
	for i, c := range contracts {
		var doc struct {
			Fields []struct {
				Key       string `json:"key"`
				Type      string `json:"type"`
				Mandatory bool   `json:"mandatory"`
			} `json:"fields"`
		}
		if err := json.Unmarshal([]byte(c.Content), &doc); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, f := range doc.Fields {
			got = append(got, f.Key+":"+f.Type+":"+map[bool]string{true: "true", false: "false"}[f.Mandatory])
		}
		if strings.Join(got, " ") != want[i] {
			t.Errorf("%s fields =\n%s\nwant\n%s", ms[i].Name, strings.Join(got, " "), want[i])
		}
	}
	// A param may not take a target field's name.
	_, err = e.client.Contracts([]framework.Manifest{{Name: "x", Category: framework.Cloud,
		Params: []framework.Param{{Name: "cloud_region", Type: framework.ParamString}}}}, openaev.PlatformVersion{Current: true})
	if err == nil || !strings.Contains(err.Error(), "cloud_region") {
		t.Errorf("err = %v", err)
	}
}
