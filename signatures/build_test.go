package signatures_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode"

	"github.com/injectkit/injectkit/signatures"
)

func TestBuildNetworkConfigs(t *testing.T) {
	tests := []struct {
		name      string
		in        []any
		want      []signatures.NetworkConfig
		wantField string // a *ValidationError on this field
		wantValue string
		wantIndex int    // with wantType: a *TypeError at this position
		wantType  string // Go type named by the *TypeError
	}{
		{name: "spec strings", in: []any{"10.0.0.1", "2001:db8::1", "web.example.com"},
			want: []signatures.NetworkConfig{{TargetIPv4: "10.0.0.1"}, {TargetIPv6: "2001:db8::1"}, {TargetHostname: "web.example.com"}}},
		{name: "ipv6 with zone", in: []any{"fe80::1%eth0"}, want: []signatures.NetworkConfig{{TargetIPv6: "fe80::1%eth0"}}},
		{name: "loopback", in: []any{"127.0.0.1", "::1", "localhost"},
			want: []signatures.NetworkConfig{{TargetIPv4: "127.0.0.1"}, {TargetIPv6: "::1"}, {TargetHostname: "localhost"}}},
		{name: "maps", in: []any{
			map[string]any{"target_ipv4": "10.0.0.1"},
			map[string]any{"target_ipv6": "2001:db8::1"},
			map[string]any{"target_hostname": "web.example.com"},
		}, want: []signatures.NetworkConfig{{TargetIPv4: "10.0.0.1"}, {TargetIPv6: "2001:db8::1"}, {TargetHostname: "web.example.com"}}},
		{name: "config passes through", in: []any{signatures.NetworkConfig{TargetHostname: "db.example"}},
			want: []signatures.NetworkConfig{{TargetHostname: "db.example"}}},
		{name: "mixed forms keep order", in: []any{"web.example.com", map[string]any{"target_ipv4": "10.0.0.2"}, signatures.NetworkConfig{TargetIPv6: "::2"}},
			want: []signatures.NetworkConfig{{TargetHostname: "web.example.com"}, {TargetIPv4: "10.0.0.2"}, {TargetIPv6: "::2"}}},
		{name: "none", in: nil, want: []signatures.NetworkConfig{}},

		{name: "option-like", in: []any{"-oN/tmp/x"}, wantField: "targets[0].target_hostname", wantValue: "-oN/tmp/x"},
		{name: "space", in: []any{"a b"}, wantField: "targets[0].target_hostname", wantValue: "a b"},
		{name: "empty", in: []any{""}, wantField: "targets[0].target"},
		{name: "cidr", in: []any{"10.0.0.0/24"}, wantField: "targets[0].target_hostname", wantValue: "10.0.0.0/24"},
		{name: "range", in: []any{"10.0.0.1-20"}, wantField: "targets[0].target_hostname", wantValue: "10.0.0.1-20"},
		{name: "bad address", in: []any{"10.0.0.256"}, wantField: "targets[0].target_hostname", wantValue: "10.0.0.256"},
		{name: "position of the bad one", in: []any{"10.0.0.1", "web.example.com", "bad host"},
			wantField: "targets[2].target_hostname", wantValue: "bad host"},
		{name: "map unknown key", in: []any{map[string]any{"target_ip": "10.0.0.1"}}, wantField: "targets[0].target_ip", wantValue: "10.0.0.1"},
		{name: "map non-string", in: []any{map[string]any{"target_ipv4": 167772161}}, wantField: "targets[0].target_ipv4", wantValue: "167772161"},
		{name: "map two keys", in: []any{map[string]any{"target_ipv4": "10.0.0.1", "target_hostname": "web"}},
			wantField: "targets[0].target", wantValue: "target_ipv4=10.0.0.1 target_hostname=web"},
		{name: "map empty", in: []any{map[string]any{}}, wantField: "targets[0].target"},
		{name: "map wrong family", in: []any{map[string]any{"target_ipv4": "2001:db8::1"}}, wantField: "targets[0].target_ipv4", wantValue: "2001:db8::1"},
		{name: "map hostname holding an address", in: []any{map[string]any{"target_hostname": "10.0.0.1"}},
			wantField: "targets[0].target_hostname", wantValue: "10.0.0.1"},
		{name: "invalid config", in: []any{"10.0.0.1", signatures.NetworkConfig{TargetIPv4: "web"}}, wantField: "targets[1].target_ipv4", wantValue: "web"},

		{name: "int", in: []any{"10.0.0.1", 42}, wantIndex: 1, wantType: "int"},
		{name: "nil", in: []any{nil}, wantIndex: 0, wantType: "<nil>"},
		{name: "string map", in: []any{map[string]string{"target_ipv4": "10.0.0.1"}}, wantIndex: 0, wantType: "map[string]string"},
		{name: "config pointer", in: []any{&signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}}, wantIndex: 0, wantType: "*signatures.NetworkConfig"},
		{name: "cloud config", in: []any{signatures.CloudConfig{}}, wantIndex: 0, wantType: "signatures.CloudConfig"},
		{name: "byte slice", in: []any{[]byte("10.0.0.1")}, wantIndex: 0, wantType: "[]uint8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := signatures.BuildNetworkConfigs(tt.in...)
			switch {
			case tt.wantType != "":
				var te *signatures.TypeError
				if !errors.As(err, &te) {
					t.Fatalf("error = %v, want *TypeError", err)
				}
				if te.Index != tt.wantIndex || te.Type != tt.wantType {
					t.Errorf("TypeError{%d, %q}, want {%d, %q}", te.Index, te.Type, tt.wantIndex, tt.wantType)
				}
				if !strings.Contains(err.Error(), tt.wantType) || !strings.Contains(err.Error(), "targets[") {
					t.Errorf("message %q does not name position and type", err)
				}
			case tt.wantField != "":
				wantValidation(t, err, tt.wantField, tt.wantValue)
			default:
				if err != nil {
					t.Fatalf("error = %v", err)
				}
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("got %+v, want %+v", got, tt.want)
				}
			}
			if err != nil && got != nil {
				t.Errorf("got %v alongside error", got)
			}
		})
	}
}

func TestClassifyNetworkTarget(t *testing.T) {
	tests := []struct {
		in   string
		want signatures.NetworkConfig
	}{
		{"10.0.0.1", signatures.NetworkConfig{TargetIPv4: "10.0.0.1"}},
		{"2001:db8::1", signatures.NetworkConfig{TargetIPv6: "2001:db8::1"}},
		{"::ffff:10.0.0.1", signatures.NetworkConfig{TargetIPv6: "::ffff:10.0.0.1"}},
		{"fe80::1%eth0", signatures.NetworkConfig{TargetIPv6: "fe80::1%eth0"}},
		{"web.example.com", signatures.NetworkConfig{TargetHostname: "web.example.com"}},
		// Not validated: classification only.
		{"10.0.0.0/24", signatures.NetworkConfig{TargetHostname: "10.0.0.0/24"}},
		{"", signatures.NetworkConfig{TargetHostname: ""}},
	}
	for _, tt := range tests {
		if got := signatures.ClassifyNetworkTarget(tt.in); got != tt.want {
			t.Errorf("ClassifyNetworkTarget(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
}

// FuzzBuildNetworkConfigs feeds one value in each accepted form. Nothing may
// panic; a rejected value is a *ValidationError; an accepted one is the input
// unchanged, validates, re-classifies to the same configuration and could not
// be read as a command-line option or split into several arguments.
func FuzzBuildNetworkConfigs(f *testing.F) {
	for _, s := range []string{
		"10.0.0.1", "2001:db8::1", "web.example.com", "-oN/tmp/x", "a b", "", "10.0.0.0/24",
		"fe80::1%eth0", "fe80::1%a b", "::ffff:10.0.0.1", "127.0.0.1", "::1", "localhost",
		"010.0.0.1", "10.0.0.256", "1.2.3", "a..b", "web-.example", "xn--bcher-kva.example",
		"1e10", "0x0a.0.0.1", "::", "0.0.0.0", "web.example.com.", "a;id", "$(id)", "\x00",
		"fe80::1%lo", "fe80::1%25lo", "fe80::1%nosuchif",
	} {
		for form := range uint8(4) {
			f.Add(s, form)
		}
	}
	keys := []string{"target_ipv4", "target_ipv6", "target_hostname"}
	f.Fuzz(func(t *testing.T, s string, form uint8) {
		var in any
		switch form % 4 {
		case 0:
			in = s
		case 1, 2, 3:
			in = map[string]any{keys[form%4-1]: s}
		}
		if form >= 128 {
			in = signatures.ClassifyNetworkTarget(s)
		}
		got, err := signatures.BuildNetworkConfigs(in)
		if err != nil {
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("BuildNetworkConfigs(%#v): error %v is a %T, want *ValidationError", in, err, err)
			}
			if !strings.HasPrefix(ve.Field, "targets[0].") {
				t.Fatalf("field %q does not name the position", ve.Field)
			}
			return
		}
		if len(got) != 1 {
			t.Fatalf("BuildNetworkConfigs(%#v) = %d configs, want 1", in, len(got))
		}
		c := got[0]
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted %+v does not validate: %v", c, err)
		}
		if c.Value() != s {
			t.Fatalf("accepted value %q, input %q", c.Value(), s)
		}
		if back := signatures.ClassifyNetworkTarget(c.Value()); back != c {
			t.Fatalf("%q re-classifies to %+v, accepted as %+v", s, back, c)
		}
		if strings.HasPrefix(s, "-") || strings.IndexFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0 {
			t.Fatalf("accepted %q, which a command line could misread", s)
		}
	})
}
