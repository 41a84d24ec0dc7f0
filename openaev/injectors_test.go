package openaev_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/openaev"
)

func TestSelectInjectors(t *testing.T) {
	all := []framework.Manifest{{Name: "query"}, {Name: "nmap"}, {Name: "noop"}, {Name: "cloudscan"}}
	tests := []struct {
		name    string
		all     []framework.Manifest
		setting string
		want    []string
		wantErr string // substring; "" for none
	}{
		{"default: every injector but noop", all, "", []string{"cloudscan", "nmap", "query"}, ""},
		{"named", all, "nmap,query", []string{"nmap", "query"}, ""},
		{"blanks and repeats", all, " query , ,nmap,query", []string{"nmap", "query"}, ""},
		{"noop when named", all, "noop", []string{"noop"}, ""},
		{"unknown: named, the known listed", all, "nmap,nmapp", nil,
			`invalid injectors "nmapp": unknown injector (known: cloudscan, nmap, noop, query)`},
		{"only noop registered: nothing by default", []framework.Manifest{{Name: "noop"}}, "", nil,
			"no injector to serve by default (known: noop; noop is served only when named)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := openaev.SelectInjectors(tt.all, openaev.ParseInjectors(tt.setting))
			if tt.wantErr != "" {
				var ve *openaev.ValidationError
				if !errors.As(err, &ve) || ve.Field != "injectors" || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want a ValidationError containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, m := range got {
				names = append(names, m.Name)
			}
			if !reflect.DeepEqual(names, tt.want) {
				t.Errorf("selected %v, want %v", names, tt.want)
			}
		})
	}
	if !openaev.IsOptIn("noop") || openaev.IsOptIn("nmap") {
		t.Error("IsOptIn")
	}
}

func TestFinished(t *testing.T) {
	tests := map[string]bool{"": false, "QUEUING": false, "EXECUTING": false, "PENDING": false, "DRAFT": false,
		"pending": false, "SUCCESS": true, "EXECUTED": true, "ERROR": true, "TIMEOUT": true, "PARTIAL": true,
		"MAYBE_PREVENTED": true}
	for status, want := range tests {
		if got := openaev.Finished(status); got != want {
			t.Errorf("Finished(%q) = %v, want %v", status, got, want)
		}
	}
}

func TestServeOptionsValidate(t *testing.T) {
	ms := []framework.Manifest{{Name: "nmap"}, {Name: "noop"}}
	tests := []struct {
		name      string
		edit      func(o *openaev.ServeOptions)
		wantField string
	}{
		{"defaults", func(*openaev.ServeOptions) {}, ""},
		{"unknown injector", func(o *openaev.ServeOptions) { o.Injectors = []string{"nope"} }, "injectors"},
		{"payload -5", func(o *openaev.ServeOptions) { o.MaxPayloadSize = -5 }, "max_payload_size"},
		{"payload 65 MiB", func(o *openaev.ServeOptions) { o.MaxPayloadSize = 65 << 20 }, "max_payload_size"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := openaev.DefaultServeOptions()
			tt.edit(&o)
			err := o.Validate(ms)
			var ve *openaev.ValidationError
			if tt.wantField == "" && err != nil || tt.wantField != "" && (!errors.As(err, &ve) || ve.Field != tt.wantField) {
				t.Fatalf("Validate = %v, want field %q", err, tt.wantField)
			}
		})
	}
	o := openaev.DefaultServeOptions()
	if _, err := o.HTTPClient(nil); err != nil {
		t.Error(err)
	}
	if got, _ := o.Manifests(ms); len(got) != 1 || got[0].Name != "nmap" {
		t.Errorf("default manifests %v", got)
	}
}
