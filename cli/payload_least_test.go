package cli_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// A --max-payload-size too small for an inject's signatures is refused
// with the least size that holds them, one the user can give as it is:
// at that size the inject is valid, one byte less it is refused again,
// suggesting the same size, whatever the targets and the profile.
func TestMaxPayloadSizeRefusalSuggestsTheLeastThatWorks(t *testing.T) {
	suggestion := regexp.MustCompile(`its signatures(?:, with room for the execution_duration of a run lasting up to its timeout of \w+ \(--timeout\),)? ` +
		`fit in no body of at most (\d+) bytes \(--max-payload-size\); ` +
		`this inject needs at least (\d+) bytes: give --max-payload-size (\d+) or more`)
	long := strings.Repeat("h", 60) + ".example.com"
	tests := []struct {
		name string
		args []string
	}{
		{"one target", []string{"--target", "10.0.0.1", "--max-payload-size", "500"}},
		{"three targets", []string{"--target", "10.0.0.1", "--target", "10.0.0.2", "--target", "10.0.0.3", "--max-payload-size", "500"}},
		{"the second target the largest", []string{"--target", "10.0.0.1", "--target", long, "--max-payload-size", "500"}},
		{"a range", []string{"--target", "10.0.0.0/28", "--max-payload-size", "300"}},
		{"openaev profile", []string{"--profile", "openaev", "--inject-file", writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"10.0.0.1","asset":"`+strings.Repeat("a", 3000)+`"}]}`),
			"--max-payload-size", "1024"}},
	}
	validate := func(t *testing.T, args []string, size int) result {
		t.Helper()
		args = append(append([]string{"validate", "noop", "--log-level", "error"}, args...), "--max-payload-size", strconv.Itoa(size))
		return run(t, registry(), nil, args...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, registry(), nil, append([]string{"validate", "noop", "--log-level", "error"}, tt.args...)...)
			m := suggestion.FindStringSubmatch(r.stderr)
			if r.code != 2 || m == nil {
				t.Fatalf("exit %d, stderr:\n%s\nwant exit 2 suggesting a size", r.code, r.stderr)
			}
			given, _ := strconv.Atoi(m[1])
			least, _ := strconv.Atoi(m[2])
			if m[3] != m[2] || least <= given {
				t.Fatalf("refused at %d bytes, needing %s, suggesting %s: want a suggestion above the size given", given, m[2], m[3])
			}
			if r := validate(t, tt.args, least); r.code != 0 {
				t.Errorf("at the size suggested, %d: exit %d\n%s", least, r.code, r.stderr)
			}
			r = validate(t, tt.args, least-1)
			if m := suggestion.FindStringSubmatch(r.stderr); r.code != 2 || m == nil || m[3] != strconv.Itoa(least) {
				t.Errorf("one byte less, %d: exit %d, want 2 suggesting %d again\n%s", least-1, r.code, least, r.stderr)
			}
		})
	}
}

// The openaev profile's size check keeps room in the body for the
// execution_duration of a run lasting its whole timeout, and its refusal
// says so, naming the timeout and its flag (a run ending sooner may send
// the signatures in a body of the size refused): the least size it
// suggests grows with the timeout. The callback profile's bodies hold no
// duration, and its refusal names none.
func TestOpenAEVSizeRefusalNamesTheTimeout(t *testing.T) {
	inject := writeFile(t, "inject.json", `{"injector":"noop","targets":[{"value":"10.0.0.1","asset":"`+strings.Repeat("a", 1000)+`"}]}`)
	need := regexp.MustCompile(`this inject needs at least (\d+) bytes`)
	tests := []struct {
		name, profile string
		timeout       []string
		want          string
	}{
		{"openaev, default timeout", "openaev", nil,
			`its signatures, with room for the execution_duration of a run lasting up to its timeout of 10m0s (--timeout), fit in no body of at most 1024 bytes (--max-payload-size)`},
		{"openaev, --timeout 5s", "openaev", []string{"--timeout", "5s"},
			`its signatures, with room for the execution_duration of a run lasting up to its timeout of 5s (--timeout), fit in no body of at most 1024 bytes (--max-payload-size)`},
		{"callback", "callback", nil, `its signatures fit in no body of at most 1024 bytes (--max-payload-size)`},
	}
	needs := map[string]int{}
	for _, tt := range tests {
		args := append([]string{"validate", "noop", "--log-level", "error", "--profile", tt.profile, "--inject-file", inject,
			"--max-payload-size", "1024"}, tt.timeout...)
		r := run(t, registry(), nil, args...)
		checkRefused(t, r, tt.want)
		if m := need.FindStringSubmatch(r.stderr); m != nil {
			needs[tt.name], _ = strconv.Atoi(m[1])
		}
	}
	if short, long := needs["openaev, --timeout 5s"], needs["openaev, default timeout"]; short == 0 || short >= long {
		t.Errorf("least size with a 5s timeout %d, with 10m0s %d: want less room needed for the shorter duration", short, long)
	}
}
