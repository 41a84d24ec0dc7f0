package cli_test

import (
	"fmt"
	"strings"
	"testing"
)

// A file's errors name the line an editor shows them on, whether its
// lines end with LF, CRLF (Windows) or CR alone (classic Mac OS): a file
// of CRs named every error at line 1, and a targets file of CRs past 1 MiB
// was refused whole as one line too long.
func TestFileLinesEndAtLFCRLFOrCR(t *testing.T) {
	ends := []struct{ name, end string }{{"LF", "\n"}, {"CRLF", "\r\n"}, {"CR", "\r"}}
	var tests []refusal
	for _, e := range ends {
		lines := func(l ...string) string { return strings.Join(l, e.end) + e.end }
		hosts := writeFile(t, "hosts-"+e.name+".txt", lines("10.0.0.1", "# lab", "", "a b", "10.0.0.2"))
		inject := writeFile(t, "inject-"+e.name+".json", lines(`{"injector": "noop",`, `"targets": [{"value": "10.0.0.1"},`, "", `  {"value": "a b"}]}`))
		phase := writeFile(t, "phase-"+e.name+".json", lines(`{"injector": "noop",`, `"targets": [{"value": "10.0.0.1"}],`, `  "phase": "x"}`))
		tests = append(tests,
			refusal{"targets file, " + e.name, nil, []string{"--targets-file", hosts}, hosts + `:4: invalid target "a b"`},
			refusal{"inject file's target, " + e.name, nil, []string{"--inject-file", inject}, "inject file " + inject + `:4: invalid targets[1].value "a b"`},
			refusal{"inject file's key, " + e.name, nil, []string{"--inject-file", phase}, "inject file " + phase + `:3:12: invalid phase "x"`},
		)
	}
	wantRefused(t, registry(), nil, []string{"noop"}, "", tests)
}

// A targets file of CRs is read a line at a time, as one of LFs is: its
// lines are many, none past the bound of a line.
func TestTargetsFileOfCRsLongerThanALine(t *testing.T) {
	var b strings.Builder
	for i := range 100_000 {
		fmt.Fprintf(&b, "10.%d.%d.%d\r", i>>16, (i>>8)&255, i&255)
	}
	hosts := writeFile(t, "mac.txt", b.String()+"a b\r")
	checkExitSays(t, run(t, registry(), nil, "validate", "noop", "--targets-file", hosts, "--log-level", "error"),
		2, hosts+`:100001: invalid target "a b"`)
}
