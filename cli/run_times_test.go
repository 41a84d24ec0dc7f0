package cli_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/injectkit/injectkit/signatures"
)

// A noop run, shorter than a second, reaches the platform with an end
// time after its start time, in both profiles: collectors search the
// defences' logs over [start, end] (Splunk ES with an exclusive end), so
// an end equal to the start would be an empty window.
func TestRunSubSecondEndsAfterStart(t *testing.T) {
	tests := []struct {
		profile    string
		start, end string
		times      func(t *testing.T) (start, end any)
	}{
		{profile: "callback", start: "start_time", end: "end_time", times: func(t *testing.T) (any, any) {
			be := newBackend(t, http.StatusOK)
			r := run(t, registry(), nil, "run", "noop", "--inject-id", "inj-t", "--target", "127.0.0.1",
				"--backend-url", be.URL, "--token", "s3cret-token", "--log-level", "error")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			v := bodyValues(t, be.only(t).Body, 0)
			return v["start_time"], v["end_time"]
		}},
		{profile: "openaev", start: "start_date", end: "end_date", times: func(t *testing.T) (any, any) {
			// Only a target the platform knows (an asset) carries signatures.
			msg := writeFile(t, "message.json", `{"injection":{"inject_id":"inj-t",
				"inject_injector_contract":{"injector_contract_id":"c5df9442-3be3-5c6d-8cf5-31a58dabebfb"},
				"inject_content":{"target_selector":"assets","target_property_selector":"local_ip",
				"expectations":[{"expectation_type":"DETECTION"}]}},
				"assets":[{"endpoint_id":"a1","endpoint_ips":["192.0.2.1"]}]}`)
			p := noopPlatform(t, "inj-t")
			r := run(t, registry(), map[string]string{"INJECTKIT_TOKEN": platformToken}, "run", "noop",
				"--openaev-message", msg, "--backend-url", p.URL, "--log-level", "error")
			calls := p.Calls("inj-t")
			if r.code != 0 || len(calls) == 0 || calls[len(calls)-1].Kind != "complete" {
				t.Fatalf("exit %d, calls %s: %s", r.code, callKinds(calls), r.stderr)
			}
			var doc struct {
				Sigs signatures.Payload `json:"expectation_signatures"`
			}
			if err := json.Unmarshal([]byte(calls[len(calls)-1].Body["execution_output_structured"].(string)), &doc); err != nil {
				t.Fatal(err)
			}
			if len(doc.Sigs.Targets) != 1 || len(doc.Sigs.Targets[0].SignatureValues) == 0 {
				t.Fatalf("signatures %+v in %v", doc.Sigs, calls[len(calls)-1].Body)
			}
			v := map[string]any{}
			for _, x := range doc.Sigs.Targets[0].SignatureValues[0].Values {
				v[x.SignatureType] = x.SignatureValue
			}
			return v["start_date"], v["end_date"]
		}},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			before := time.Now().UTC()
			rawStart, rawEnd := tt.times(t)
			after := time.Now().UTC()
			start, errS := time.Parse(signatures.TimeFormat, str(rawStart))
			end, errE := time.Parse(signatures.TimeFormat, str(rawEnd))
			if errS != nil || errE != nil {
				t.Fatalf("%s %v, %s %v: want both in %s", tt.start, rawStart, tt.end, rawEnd, signatures.TimeFormat)
			}
			if !end.After(start) {
				t.Errorf("%s %s, %s %s: want the end after the start (a run of %s)", tt.start, rawStart, tt.end, rawEnd, after.Sub(before))
			}
			// The window holds the run and no more than the whole seconds
			// around it.
			if lo, hi := before.Truncate(time.Second), after.Truncate(time.Second).Add(time.Second); start.Before(lo) || end.After(hi) {
				t.Errorf("window [%s, %s] outside [%s, %s]", rawStart, rawEnd, lo.Format(signatures.TimeFormat), hi.Format(signatures.TimeFormat))
			}
		})
	}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}
