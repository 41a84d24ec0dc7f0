package openaev_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/injectkit/injectkit/openaev"
)

func TestParseMessageErrors(t *testing.T) {
	tests := []struct {
		name, body, wantID, wantReason string
	}{
		{"not JSON", `{"injection":`, "", "malformed message"},
		{"not an object", `[1,2]`, "", "malformed message: a list, want an object"},
		{"bytes after the object", `{"injection":{"inject_id":"inj-9"}} garbage`, "inj-9", "not valid JSON: invalid character 'g' after top-level value (at byte 36)"},
		{"byte order mark", "\xEF\xBB\xBF{\"injection\":{\"inject_id\":\"inj-9\"}}", "inj-9", "a UTF-8 byte order mark (EF BB BF) at byte 0"},
		// A body another producer compressed or encoded (its
		// content_encoding, which the daemon does not read): named so,
		// not as the first byte encoding/json stops at.
		{"gzip-compressed", "\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff", "",
			"malformed message: not valid JSON: gzip-compressed data (1F 8B at byte 0): the platform publishes plain JSON, with no content encoding"},
		{"UTF-16", "\xff\xfe{\x00}\x00", "", "malformed message: not valid JSON: UTF-16LE text (byte order mark FF FE): the platform publishes UTF-8"},
		{"UTF-16BE", "\xfe\xff\x00{\x00}", "", "malformed message: not valid JSON: UTF-16BE text (byte order mark FE FF): the platform publishes UTF-8"},
		{"cut short after the inject id", `{"injection":{"inject_id":"inj-9",`, "inj-9", "unexpected end of JSON input (at byte 34)"},
		{"no injection", `{"assets":[]}`, "", "injection.inject_id is missing"},
		{"empty inject id", `{"injection":{"inject_id":""}}`, "", "injection.inject_id is empty (at byte 26)"},
		{"blank inject id", `{"injection":{"inject_id":"  "}}`, "", "injection.inject_id is blank (white space alone) (at byte 26)"},
		{"empty inject id, written in upper case", `{"Injection":{"INJECT_ID":""}}`, "", "injection.inject_id is empty (at byte 26)"},
		// A field of the wrong JSON type is named in the project's words,
		// not encoding/json's Go ones.
		// Ids the platform's HTTP firewall refuses once escaped into a path
		// (2.4.0: StrictHttpFirewall, 400 before any route): named, with
		// the value, and nothing sent (no inject id).
		{"inject id with a slash", `{"injection":{"inject_id":"../x"}}`, "", `invalid injection.inject_id "../x": holds "/" at byte 2, which the platform's HTTP firewall refuses`},
		{"inject id with two slashes", `{"injection":{"inject_id":"a/b/c"}}`, "", `invalid injection.inject_id "a/b/c": holds "/" at byte 1`},
		{"inject id with an escaped slash", `{"injection":{"inject_id":"a%2Fb"}}`, "", `invalid injection.inject_id "a%2Fb": holds "%" at byte 1`},
		{"inject id with a semicolon", `{"injection":{"inject_id":"a;b"}}`, "", `invalid injection.inject_id "a;b": holds ";" at byte 1`},
		{"inject id with a backslash", `{"injection":{"inject_id":"a\\b"}}`, "", `invalid injection.inject_id "a\\b": holds "\\" at byte 1`},
		{"inject id with a slash, the message cut short", `{"injection":{"inject_id":"a/b",`, "", "malformed message"},
		{"numeric inject id", `{"injection":{"inject_id":42}}`, "", "malformed message: injection.inject_id: a number, want a string"},
		{"content a list", `{"injection":{"inject_id":"inj-9","inject_content":[1]}}`, "inj-9",
			"malformed message: injection.inject_content: a list, want an object"},
		{"numeric contract id", `{"injection":{"inject_id":"inj-9","inject_injector_contract":{"injector_contract_id":7}}}`, "inj-9",
			"malformed message: injection.inject_injector_contract.injector_contract_id: a number, want a string"},
		{"bad asset keeps the inject id", `{"injection":{"inject_id":"inj-9"},"assets":[{"asset_id":"a","asset_ips":"192.0.2.1"}]}`,
			"inj-9", "asset_ips: not a list of strings"},
		{"bad agents", `{"injection":{"inject_id":"inj-9"},"assets":[{"endpoint_agents":{"agent_id":"x"}}]}`,
			"inj-9", "endpoint_agents: not a list of objects"},
		// encoding/json takes the last of two keys equal but for case:
		// the callbacks would go to another inject.
		{"inject id twice, in two cases", `{"injection":{"inject_id":"a","INJECT_ID":"b"}}`,
			"", `key injection.INJECT_ID given twice (as "inject_id" before: keys are matched whatever their case)`},
		{"inject id twice, escaped", `{"injection":{"inject_id":"a","\u0069nject_id":"b"}}`,
			"", "key injection.inject_id given twice"},
		{"content key twice", `{"injection":{"inject_id":"inj-9","inject_content":{"outcome":"failed","outcome":"success"}}}`,
			"inj-9", "key injection.inject_content.outcome given twice: the platform writes each key once (at byte 71)"},
		{"asset key twice", `{"injection":{"inject_id":"inj-9"},"assets":[{"asset_id":"a"},{"asset_id":"b","Asset_Id":"c"}]}`,
			"inj-9", `key assets[1].Asset_Id given twice (as "asset_id" before`},
		// The platform writes UTF-8 (2.4.0: getBytes(UTF_8); 1.18 on Java
		// 21: its default charset, UTF-8); encoding/json would read a byte
		// that is not as U+FFFD, the callbacks naming an asset, an agent
		// or a target the platform never wrote.
		{"asset id not UTF-8", "{\"injection\":{\"inject_id\":\"inj-9\"},\"assets\":[{\"asset_id\":\"a\xffz\"}]}",
			"inj-9", "malformed message: assets[0].asset_id is not UTF-8 (the byte 0xFF): the platform writes UTF-8 (at byte 59)"},
		{"title not UTF-8, escapes before", "{\"injection\":{\"inject_id\":\"inj-9\",\"inject_title\":\"\\u00e9t\xe9\"}}",
			"inj-9", "malformed message: injection.inject_title is not UTF-8 (the byte 0xE9): the platform writes UTF-8 (at byte 57)"},
		{"content key not UTF-8", "{\"injection\":{\"inject_id\":\"inj-9\",\"inject_content\":{\"targets\":\"h\",\"x\xc3\":1}}}",
			"inj-9", "malformed message: a key of injection.inject_content is not UTF-8 (the byte 0xC3): the platform writes UTF-8 (at byte 68)"},
		{"target not UTF-8", "{\"injection\":{\"inject_id\":\"inj-9\",\"inject_content\":{\"targets\":\"127.0.0.1,\xfe\"}}}",
			"inj-9", "malformed message: injection.inject_content.targets is not UTF-8 (the byte 0xFE)"},
		{"inject id not UTF-8", "{\"injection\":{\"inject_id\":\"inj\x80\"}}", "", "malformed message: injection.inject_id is not UTF-8 (the byte 0x80): the platform writes UTF-8 (at byte 30)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := openaev.ParseMessage([]byte(tt.body))
			var me *openaev.MessageError
			if !errors.As(err, &me) {
				t.Fatalf("err = %v, want a *MessageError", err)
			}
			if me.InjectID != tt.wantID || !strings.Contains(me.Error(), tt.wantReason) || strings.Contains(me.Reason, "Go ") {
				t.Errorf("inject %q error %q, want %q %q", me.InjectID, me.Error(), tt.wantID, tt.wantReason)
			}
		})
	}
}

func TestParseMessageBothSpellings(t *testing.T) {
	body := `{"injection":{"inject_id":"i"},"assets":[
		{"asset_id":"a1","asset_hostname":"new.example.com","endpoint_hostname":"old.example.com","asset_ips":["192.0.2.1"],"asset_seen_ip":"192.0.2.2","asset_agents":[{"agent_id":"x"},{"agent_id":""},{"agent_id":"y"}]},
		{"endpoint_id":"a2","endpoint_hostname":"old.example.com","endpoint_ips":["192.0.2.3"],"endpoint_seen_ip":"192.0.2.4","endpoint_agents":[{"agent_id":"z"}]},
		{"asset_id":"a3","asset_hostname":null,"endpoint_hostname":"fallback.example.com","asset_agents":null}]}`
	m, err := openaev.ParseMessage([]byte(body))
	if err != nil {
		t.Fatal(err)
	}
	want := []openaev.Asset{
		{ID: "a1", Hostname: "new.example.com", IPs: []string{"192.0.2.1"}, SeenIP: "192.0.2.2", Agents: []string{"x", "y"}},
		{ID: "a2", Hostname: "old.example.com", IPs: []string{"192.0.2.3"}, SeenIP: "192.0.2.4", Agents: []string{"z"}},
		{ID: "a3", Hostname: "fallback.example.com"},
	}
	if !reflect.DeepEqual(m.Assets, want) {
		t.Errorf("assets =\n%+v\nwant\n%+v", m.Assets, want)
	}
}

func FuzzParseMessage(f *testing.F) {
	f.Add([]byte(`{"injection":{"inject_id":"i","inject_content":{"target_selector":"manual","targets":"192.0.2.1"}}}`))
	f.Add([]byte(`{"injection":{"inject_id":"i"},"assets":[{"endpoint_id":"a","endpoint_ips":["::1"]}]}`))
	f.Add([]byte(`{"injection":{"inject_id":"i","inject_content":{"targets":["-x",1]}},"assetGroups":[{}]}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		m, err := openaev.ParseMessage(body)
		if err != nil {
			var me *openaev.MessageError
			if !errors.As(err, &me) {
				t.Fatalf("error %v is not a *MessageError", err)
			}
			return
		}
		if strings.TrimSpace(m.Injection.InjectID) == "" {
			t.Fatal("accepted a message without an inject id")
		}
		if !utf8.Valid(body) {
			t.Fatal("accepted a message that is not UTF-8: its strings would be read with U+FFFD")
		}
	})
}

// TestParseMessageEmptyBody checks a message with no JSON at all, empty or
// white space only: said to be an empty body, not encoding/json's "not
// valid JSON: unexpected end of JSON input" placed "at byte 0".
func TestParseMessageEmptyBody(t *testing.T) {
	for _, tc := range []struct{ name, body, want string }{
		{"empty", "", "invalid message: malformed message: empty body"},
		{"white space only", " \n\t", "invalid message: malformed message: empty body (3 bytes of white space only)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := openaev.ParseMessage([]byte(tc.body))
			var me *openaev.MessageError
			if !errors.As(err, &me) || me.Error() != tc.want || me.Placed {
				t.Errorf("ParseMessage(%q) = %v, want %q, not placed", tc.body, err, tc.want)
			}
		})
	}
}
