package cli

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzReadFindings: the run's summary reads an injector's findings (a
// third party's, or a tool's result passed on) whatever they hold: any
// shape under nmap's, the query's or the cloud scan's keys, for any
// number of targets. It never panics, gives lines only to the inject's
// targets (indexes 0 to len(labels)-1), and reads the same findings the
// same way twice (the lines a user sees do not move between runs).
func FuzzReadFindings(f *testing.F) {
	for _, s := range []string{
		`{"scan_results":[{"host":"127.0.0.1","target":"127.0.0.1","port":22,"protocol":"tcp","service":"ssh","product":"OpenSSH","version":"9"}],"unmatched_hosts":["10.0.0.1"],"unscanned_targets":["127.0.0.1"]}`,
		`{"results":[{"query":"port:22","status":"success","total":2,"matches":[{"ip":"192.0.2.1","port":22,"transport":"tcp","hostnames":["a"],"vulns":["CVE-2024-1"]}]},{"status":"error","error":"x"}],"matched_ips":["192.0.2.1"]}`,
		`{"cves":[{"id":"CVE-2024-1","severity":"high","host":["a","b"]}],"configs":[{"cloud_provider":"aws","cloud_account_id":"1","cloud_region":"eu-west-1","status":"success","checks":{"s3":{"findings":[{}],"errors":[{"operation":"o","resource":"r","code":"c","message":"m"}],"failed":true}}}],"findings_summary":["s"]}`,
		`{"scan_results":[{"port":0,"host":""}],"unmatched_results":[{"host":"h","port":-1}],"other":[1,{"a":null},"x"]}`,
		`{"configs":[],"findings_summary":null,"results":[]}`,
		`{"configs":[{"status":"partial","checks":{"s3":null,"ec2":{"findings":null,"global":true}}}],"findings_summary":["a","b"]}`,
	} {
		for n := range 3 {
			f.Add(s, uint8(n), n != 1)
		}
	}
	f.Fuzz(func(t *testing.T, findings string, targets uint8, complete bool) {
		dec := json.NewDecoder(bytes.NewReader([]byte(findings)))
		dec.UseNumber()
		var m map[string]any
		if dec.Decode(&m) != nil {
			return
		}
		labels := make([]string, int(targets%6))
		for i := range labels {
			labels[i] = []string{"127.0.0.1", "localhost", "10.0.0.1", "h", "::1", "a"}[i]
		}
		v := readFindings(m, labels, complete)
		for i := range v.perTarget {
			if i < 0 || i >= len(labels) {
				t.Fatalf("findings %s over %d targets: lines for target %d", findings, len(labels), i)
			}
		}
		for i := range v.status {
			if i < 0 || i >= len(labels) {
				t.Fatalf("findings %s over %d targets: a status for target %d", findings, len(labels), i)
			}
		}
		again := readFindings(m, labels, complete)
		a, _ := json.Marshal([]any{v.perTarget, v.status, v.general})
		b, _ := json.Marshal([]any{again.perTarget, again.status, again.general})
		if !bytes.Equal(a, b) {
			t.Fatalf("findings %s read as %s, then as %s", findings, a, b)
		}
	})
}
