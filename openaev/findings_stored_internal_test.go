package openaev

import (
	"encoding/json"
	"errors"
	"reflect"
	"testing"
)

// TestWithoutStored: a "complete" loses the findings the platform stores
// for its inject, as the platform renders them, and keeps the rest, its
// status, message and signatures as they were.
func TestWithoutStored(t *testing.T) {
	sigs := `{"targets":[{"signature_target":{"asset":"a1"}}]}`
	tests := []struct {
		name   string
		doc    string // the structured output
		stored map[string][]StoredFinding
		want   string // the structured output sent ("" : the body unchanged)
		left   int
	}{
		{name: "nothing stored", doc: `{"summary":"noop: 1 target(s)"}`, want: "", left: 0},
		{name: "a text finding stored", doc: `{"summary":"noop: 1 target(s)","expectation_signatures":` + sigs + `}`,
			stored: map[string][]StoredFinding{"summary": {{Type: "text", Value: "noop: 1 target(s)"}}},
			want:   `{"expectation_signatures":` + sigs + `}`, left: 1},
		{name: "a changed text finding kept", doc: `{"summary":"noop: 2 target(s)"}`,
			stored: map[string][]StoredFinding{"summary": {{Type: "text", Value: "noop: 1 target(s)"}}}, want: "", left: 0},
		{name: "the stored items of a list", doc: `{"ports":[22,80,443],"scan_results":[{"host":"10.0.0.1","port":22,"service":"ssh"},{"host":"10.0.0.1","port":80,"service":""}]}`,
			stored: map[string][]StoredFinding{"ports": {{Type: "port", Value: "22"}, {Type: "port", Value: "443"}},
				"scan_results": {{Type: "portscan", Value: "10.0.0.1:22 (ssh)"}, {Type: "portscan", Value: "10.0.0.1:80"}}},
			want: `{"ports":[80]}`, left: 4},
		{name: "quotes trimmed as the platform does", doc: `{"summary":"\"quoted\""}`,
			stored: map[string][]StoredFinding{"summary": {{Type: "text", Value: "quoted"}}}, want: `{}`, left: 1},
		{name: "a list stored whole (not isMultiple)", doc: `{"tags":["a","b"]}`,
			stored: map[string][]StoredFinding{"tags": {{Type: "text", Value: "a b"}}}, want: `{}`, left: 2},
		{name: "cves by id", doc: `{"cves":[{"id":"CVE-1","host":"h","severity":"high"},{"id":"CVE-2","host":"h","severity":"low"}]}`,
			stored: map[string][]StoredFinding{"cves": {{Type: "cve", Value: "CVE-2"}}},
			want:   `{"cves":[{"id":"CVE-1","host":"h","severity":"high"}]}`, left: 1},
		{name: "a type the profile cannot render: the field left out", doc: `{"users":[{"username":"u"}],"summary":"s"}`,
			stored: map[string][]StoredFinding{"users": {{Type: "username", Value: "u"}}}, want: `{"summary":"s"}`, left: 1},
		// Go writes 1e21 as 1e+21 and 0.0001 as such; the platform stores
		// the DoubleNode's Double.toString, and a big integer's digits.
		{name: "numbers as the platform renders them", doc: `{"scores":[1e+21,0.0001,18446744073709551615,1.5,100]}`,
			stored: map[string][]StoredFinding{"scores": {{Type: "number", Value: "1.0E21"}, {Type: "number", Value: "1.0E-4"},
				{Type: "number", Value: "18446744073709551615"}, {Type: "number", Value: "100"}}},
			want: `{"scores":[1.5]}`, left: 4},
		{name: "raw output kept unescaped", doc: `{"action_output":"<nmaprun/>","ports":[22]}`,
			stored: map[string][]StoredFinding{"ports": {{Type: "port", Value: "22"}}}, want: `{"action_output":"<nmaprun/>"}`, left: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := Execution{Message: "noop on 1 target: succeeded <ok>", Status: StatusSuccess, Action: ActionComplete,
				Duration: 3, OutputStructured: tt.doc}
			body, _ := json.Marshal(e)
			var asked []string
			out, left, err := withoutStored(body, func(field string) ([]StoredFinding, error) {
				asked = append(asked, field)
				return tt.stored[field], nil
			})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range asked {
				if f == FieldExpectationSignatures {
					t.Errorf("asked for the stored findings of %s", f)
				}
			}
			if left != tt.left {
				t.Errorf("left out %d, want %d", left, tt.left)
			}
			if tt.want == "" {
				if string(out) != string(body) {
					t.Errorf("body changed:\n%s\nwas\n%s", out, body)
				}
				return
			}
			var got Execution
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("body %s: %v", out, err)
			}
			var gotDoc, wantDoc any
			_ = json.Unmarshal([]byte(got.OutputStructured), &gotDoc)
			_ = json.Unmarshal([]byte(tt.want), &wantDoc)
			if !reflect.DeepEqual(gotDoc, wantDoc) {
				t.Errorf("structured output %s, want %s", got.OutputStructured, tt.want)
			}
			got.OutputStructured, e.OutputStructured = "", ""
			if !reflect.DeepEqual(got, e) {
				t.Errorf("envelope %+v, want %+v", got, e)
			}
			if len(out) > len(body) {
				t.Errorf("body grew: %d bytes, was %d", len(out), len(body))
			}
		})
	}
}

// TestWithoutStoredUnread: findings that cannot be read leave the body as
// it is, and the error says why.
func TestWithoutStoredUnread(t *testing.T) {
	body, _ := json.Marshal(Execution{Message: "m", Status: StatusSuccess, Action: ActionComplete,
		OutputStructured: `{"summary":"s"}`})
	boom := errors.New("status 503")
	out, left, err := withoutStored(body, func(string) ([]StoredFinding, error) { return nil, boom })
	if !errors.Is(err, boom) || left != 0 || string(out) != string(body) {
		t.Errorf("err %v, left %d, body %s", err, left, out)
	}
}
