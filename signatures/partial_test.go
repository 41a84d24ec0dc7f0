package signatures_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/signatures"
)

// ownResult is the result nmap reports for bench configuration c: its
// address (bracketed when IPv6) or its host name, then a port.
func ownResult(c signatures.Config) string {
	n := c.(signatures.NetworkConfig)
	switch {
	case n.TargetIPv6 != "":
		return "[" + n.TargetIPv6 + "]:22/tcp open ssh"
	case n.TargetHostname != "":
		return n.TargetHostname + ": no open port"
	}
	return n.TargetIPv4 + ":22/tcp open ssh"
}

// timedOut is the output of a run cut short after reporting results.
func timedOut(results ...string) signatures.ToolOutput {
	return signatures.ToolOutput{Status: signatures.StatusTimeout, TimeoutInfo: &signatures.TimeoutInfo{PartialResults: results}}
}

// postPaths compiles the post-execution signatures of cfgs for out along
// each path a caller can take, yielding each target's partial results.
var postPaths = []struct {
	name    string
	partial func(t *testing.T, cfgs []signatures.Config, out signatures.ToolOutput) [][]string
}{
	{"CompilePost", func(t *testing.T, cfgs []signatures.Config, out signatures.ToolOutput) [][]string {
		m := benchManager()
		pre, err := m.CompilePre(cfgs...)
		if err != nil {
			t.Fatal(err)
		}
		post, err := m.CompilePost(pre, out)
		if err != nil {
			t.Fatal(err)
		}
		got := make([][]string, len(post))
		for i, s := range post {
			got[i] = s.PartialResults
		}
		return got
	}},
	{"Batch.Signature", func(t *testing.T, cfgs []signatures.Config, out signatures.ToolOutput) [][]string {
		post := postBatch(t, cfgs, out)
		got := make([][]string, post.Len())
		for i, s := range post.All() {
			got[i] = s.PartialResults
		}
		return got
	}},
	{"Batch.PayloadTargets", func(t *testing.T, cfgs []signatures.Config, out signatures.ToolOutput) [][]string {
		post := postBatch(t, cfgs, out)
		seq, err := post.PayloadTargets(func(int) signatures.Attribution { return signatures.Attribution{Asset: "a"} },
			[]signatures.ExpectationType{signatures.Detection, signatures.Prevention}, nil)
		if err != nil {
			t.Fatal(err)
		}
		got := make([][]string, post.Len())
		for i, pt := range seq {
			got[i] = groupPartial(t, pt)
		}
		return got
	}},
}

func postBatch(t *testing.T, cfgs []signatures.Config, out signatures.ToolOutput) *signatures.Batch {
	t.Helper()
	m := benchManager()
	post, err := m.Post(batchOf(t, m, false, cfgs), out)
	if err != nil {
		t.Fatal(err)
	}
	return post
}

// groupPartial returns the partial results of a payload target, checking
// that every group carries the same.
func groupPartial(t *testing.T, pt signatures.PayloadTarget) []string {
	t.Helper()
	var first []string
	for j, g := range pt.SignatureValues {
		var pr []string
		for _, v := range g.Values {
			if v.SignatureType == signatures.FieldPartialResults {
				pr = v.SignatureValue.([]string)
			}
		}
		if j == 0 {
			first = pr
		} else if !slices.Equal(pr, first) {
			t.Errorf("group %s partial results %q, group %s %q", g.ExpectationType, pr, pt.SignatureValues[0].ExpectationType, first)
		}
	}
	return first
}

// A timed-out run over many targets, each named by one result: each
// target's signature holds its own result only, never the others'.
func TestTimeoutPartialResultsPerTarget(t *testing.T) {
	const n = 2000
	cfgs := benchConfigs(n)
	results := make([]string, n)
	for i, c := range cfgs {
		results[(i*7)%n] = ownResult(c) // reported out of order
	}
	for _, path := range postPaths {
		t.Run(path.name, func(t *testing.T) {
			got := path.partial(t, cfgs, timedOut(results...))
			bad := 0
			for i, pr := range got {
				if want := []string{ownResult(cfgs[i])}; !slices.Equal(pr, want) {
					if bad++; bad <= 3 {
						t.Errorf("target %d partial results (%d) %.200q, want %q", i, len(pr), pr, want)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d targets carry other targets' results", bad, n)
			}
		})
	}
}

// Which partial results go to which target.
func TestPartialResultsAttribution(t *testing.T) {
	cloud := func(region, service string) signatures.Config {
		return signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: region, TargetService: service}
	}
	netw := func(vs ...string) []signatures.Config {
		var out []signatures.Config
		for _, v := range vs {
			out = append(out, signatures.ClassifyNetworkTarget(v))
		}
		return out
	}
	many := func(n int, format string) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf(format, i)
		}
		return out
	}
	shared := make([]signatures.Config, signatures.MaxNamedTargets+1)
	for i := range shared {
		shared[i] = signatures.ExternalConfig{Query: "port:22", TargetIPv4: fmt.Sprintf("192.0.2.%d", i+1)}
	}
	runWide := many(3*signatures.MaxRunWideResults, "scan %d%% done")
	tests := []struct {
		name string
		cfgs []signatures.Config
		out  signatures.ToolOutput
		want [][]string
	}{
		{"each its own, run-wide after", netw("10.0.0.1", "web.example.com", "2001:db8::1"),
			timedOut("10.0.0.1:22/tcp open ssh", "stats: 1 host up", "WEB.example.com:443/tcp open https", "[2001:DB8:0::1]: no open port"),
			[][]string{{"10.0.0.1:22/tcp open ssh", "stats: 1 host up"}, {"WEB.example.com:443/tcp open https", "stats: 1 host up"},
				{"[2001:DB8:0::1]: no open port", "stats: 1 host up"}}},
		{"a longer address is another", netw("10.0.0.1", "10.0.0.10"), timedOut("10.0.0.10:22/tcp open ssh"),
			[][]string{nil, {"10.0.0.10:22/tcp open ssh"}}},
		{"a result naming two targets goes to both, once each", netw("10.0.0.1", "10.0.0.2", "10.0.0.3"),
			timedOut("10.0.0.1 -> 10.0.0.2 (10.0.0.1)"),
			[][]string{{"10.0.0.1 -> 10.0.0.2 (10.0.0.1)"}, {"10.0.0.1 -> 10.0.0.2 (10.0.0.1)"}, nil}},
		{"one target holds every result", netw("10.0.0.1"), timedOut(runWide...), [][]string{runWide}},
		{"run-wide results are bounded", netw("10.0.0.1", "10.0.0.2"), timedOut(append([]string{"10.0.0.2: no open port"}, runWide...)...),
			[][]string{runWide[:signatures.MaxRunWideResults],
				append([]string{"10.0.0.2: no open port"}, runWide[:signatures.MaxRunWideResults]...)}},
		{"the narrowed query wins over the query it shares", shared[:3],
			timedOut("port:22 ip:192.0.2.2: 3 of 10 matches"),
			[][]string{nil, {"port:22 ip:192.0.2.2: 3 of 10 matches"}, nil}},
		{"a result naming too many targets is run-wide", shared, timedOut("port:22 pending"),
			slices.Repeat([][]string{{"port:22 pending"}}, len(shared))},
		{"cloud region", []signatures.Config{
			signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "eu-west-1"},
			signatures.CloudConfig{CloudProvider: "aws", CloudAccountID: "1", CloudRegion: "us-east-1"},
		}, timedOut("aws eu-west-1 s3: 2 findings, 0 errors"), [][]string{{"aws eu-west-1 s3: 2 findings, 0 errors"}, nil}},
		{"a cloud service's result goes to its service's targets and those of every service", []signatures.Config{
			cloud("us-east-1", "s3"), cloud("us-east-1", "ec2"), cloud("us-east-1", ""), cloud("eu-west-1", "s3"),
		}, timedOut("aws us-east-1 ec2: 1 finding, 0 errors", "aws us-east-1 s3: 2 findings, 0 errors"),
			[][]string{{"aws us-east-1 s3: 2 findings, 0 errors"}, {"aws us-east-1 ec2: 1 finding, 0 errors"},
				{"aws us-east-1 ec2: 1 finding, 0 errors", "aws us-east-1 s3: 2 findings, 0 errors"}, nil}},
		{"a service no target names goes to those of every service", []signatures.Config{
			cloud("us-east-1", "s3"), cloud("us-east-1", ""),
		}, timedOut("aws us-east-1 ec2: 1 finding, 0 errors"), [][]string{nil, {"aws us-east-1 ec2: 1 finding, 0 errors"}}},
		{"a global service's result goes to its targets in every region", []signatures.Config{
			cloud("eu-west-1", "iam"), cloud("eu-west-1", "s3"), cloud("us-east-1", ""),
		}, timedOut("aws global iam: 0 findings, 1 error"),
			[][]string{{"aws global iam: 0 findings, 1 error"}, nil, {"aws global iam: 0 findings, 1 error"}}},
		{"a region's free text goes to each of its targets", []signatures.Config{
			cloud("us-east-1", "s3"), cloud("us-east-1", ""), cloud("eu-west-1", ""),
		}, timedOut("aws us-east-1 throttled twice"), [][]string{{"aws us-east-1 throttled twice"}, {"aws us-east-1 throttled twice"}, nil}},
		{"only a timeout keeps its results", netw("10.0.0.1", "10.0.0.2"),
			signatures.ToolOutput{ErrorInfo: &signatures.ErrorInfo{ExitCode: 1}, TimeoutInfo: &signatures.TimeoutInfo{PartialResults: []string{"10.0.0.1 up"}}},
			[][]string{nil, nil}},
	}
	for _, tt := range tests {
		for _, path := range postPaths {
			t.Run(tt.name+"/"+path.name, func(t *testing.T) {
				got := path.partial(t, tt.cfgs, tt.out)
				for i := range tt.want {
					if !slices.Equal(got[i], tt.want[i]) {
						t.Errorf("target %d partial results %q, want %q", i, got[i], tt.want[i])
					}
				}
			})
		}
	}
}

// The body of a timed-out run grows with its targets, not with their
// square: four times the targets (and results) is four times the bytes.
func TestTimeoutPayloadSizeLinear(t *testing.T) {
	size := func(n int, extra []string) int {
		cfgs := benchConfigs(n)
		results := slices.Clone(extra)
		for _, c := range cfgs {
			results = append(results, ownResult(c))
		}
		post := postBatch(t, cfgs, timedOut(results...))
		seq, err := post.PayloadTargets(func(int) signatures.Attribution { return signatures.Attribution{Asset: "a"} },
			[]signatures.ExpectationType{signatures.Detection}, nil)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, pt := range seq {
			b, err := json.Marshal(pt)
			if err != nil {
				t.Fatal(err)
			}
			total += len(b)
		}
		return total
	}
	for _, extra := range [][]string{nil, {"scan 50% done", "stats: 0 hosts up"}} {
		small, large := size(500, extra), size(2000, extra)
		if ratio := float64(large) / float64(small); ratio > 4.5 {
			t.Errorf("run-wide %q: 500 targets %d bytes, 2000 targets %d bytes: ×%.1f, want about ×4", extra, small, large, ratio)
		}
	}
}

// namedBy returns the indexes of the targets result names, each once, in
// order.
func namedBy(tn *signatures.TargetNames, result string) []int {
	var got []int
	for ts := range tn.Named(result) {
		for _, i := range ts {
			if !slices.Contains(got, i) {
				got = append(got, i)
			}
		}
	}
	slices.Sort(got)
	return got
}

// namedTargets are the targets TestTargetNamesNamed and FuzzTargetNamesNamed
// look results up among.
var namedTargets = []string{"127.0.0.1", "localhost", "::1", "web.example.com", "127.0.0.10"}

func newNamedTargets() *signatures.TargetNames {
	return signatures.NewTargetNames(len(namedTargets), func(i int) signatures.Config {
		return signatures.ClassifyNetworkTarget(namedTargets[i])
	})
}

// Which targets a result names by address or host name: bare, before
// ":port", in a URL, before a path; never as part of a longer name.
func TestTargetNamesNamed(t *testing.T) {
	const ipv4, local, ipv6, web, ipv4ten = 0, 1, 2, 3, 4
	tests := []struct {
		result string
		want   []int
	}{
		{"GET http://127.0.0.1:18942/ -> 200", []int{ipv4}},
		{"GET http://localhost:18942/ -> 200", []int{local}},
		{"GET http://[::1]:18942/ -> 200", []int{ipv6}},
		{"127.0.0.1:18942/ -> 200", []int{ipv4}},
		{"https://127.0.0.1/ 200", []int{ipv4}},
		{"https://127.0.0.1 200", []int{ipv4}},
		{"HTTPS://LOCALHOST?q=1 200", []int{local}},
		{"http://localhost#top 200", []int{local}},
		{"http://user:secret@127.0.0.1:8080/a@b 401", []int{ipv4}},
		{"ftp://anonymous@web.example.com/pub/ listed", []int{web}},
		{"http://[0:0::1]/ 200", []int{ipv6}},
		{"localhost/index.html 200", []int{local}},
		{"localhost:8080/index.html 200", []int{local}},
		{"web.example.com/login.", []int{web}},
		{"see http://localhost.", []int{local}},
		{"127.0.0.1:22/tcp open ssh", []int{ipv4}},
		{"127.0.0.10:22/tcp open ssh", []int{ipv4ten}},
		{"http://127.0.0.10/ 200", []int{ipv4ten}},
		{"http://127.0.0.1.example/ 200", nil},
		{"http://notlocalhost/ 200", nil},
		{"notlocalhost/index.html 200", nil},
		{"http://localhost.example.com/ 200", nil},
		{"http://api.web.example.com/ 200", nil},
		{"http://x/?next=localhost 200", []int{local}}, // "=" ends a word
		{"127.0.0.1:80/x://y 200", []int{ipv4}},
		{"GET /localhost/ 404", nil},
		{"mailto:root@localhost", nil},
		{"scan 50% done", nil},
	}
	tn := newNamedTargets()
	for _, tt := range tests {
		if got := namedBy(tn, tt.result); !slices.Equal(got, tt.want) {
			t.Errorf("%q names targets %v, want %v (targets %q)", tt.result, got, tt.want, namedTargets)
		}
	}
}

// FuzzTargetNamesNamed: a result names a target only if it holds the
// target's name, not run into a longer name on either side; and a URL
// built on a target's name names it.
func FuzzTargetNamesNamed(f *testing.F) {
	f.Add("GET http://127.0.0.1:18942/ -> 200", "http", "user", uint16(8080), "index.html")
	f.Add("notlocalhost/index.html", "", "", uint16(0), "")
	f.Add("127.0.0.10 up", "https", "", uint16(443), "a?b#c")
	tn := newNamedTargets()
	f.Fuzz(func(t *testing.T, result, scheme, user string, port uint16, path string) {
		lower := strings.ToLower(result)
		for _, i := range namedBy(tn, result) {
			if name := namedTargets[i]; name != "::1" && !standsAlone(lower, name) {
				t.Errorf("%q names %s, which it holds only inside a longer name", result, name)
			}
		}
		if !isWord(scheme) || !isWord(user) || strings.ContainsAny(path, " \t\n,;()[]{}\"'<>|=") {
			return
		}
		if scheme != "" && !(scheme[0] >= 'a' && scheme[0] <= 'z' || scheme[0] >= 'A' && scheme[0] <= 'Z') {
			return // a scheme starts with a letter
		}
		for i, name := range namedTargets {
			host := name
			if strings.Contains(name, ":") {
				host = "[" + name + "]"
			}
			url := host + fmt.Sprintf(":%d/", port) + path
			if user != "" {
				url = user + "@" + url
			}
			if scheme != "" {
				url = scheme + "://" + url
			} else if user != "" {
				continue // userinfo only in a URL
			}
			if got := namedBy(tn, "GET "+url+" -> 200"); !slices.Contains(got, i) {
				t.Errorf("%q names %v, not %s", url, got, name)
			}
		}
	})
}

// standsAlone reports whether name occurs in s not run into a longer
// name: neither preceded nor followed by a letter, a digit, "-" or "_",
// nor by "." and one of those.
func standsAlone(s, name string) bool {
	inName := func(b byte) bool {
		return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b == '-' || b == '_'
	}
	for off := 0; ; {
		i := strings.Index(s[off:], name)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(name)
		before := start == 0 || !inName(s[start-1]) && s[start-1] != '.'
		after := end == len(s) || !inName(s[end]) && (s[end] != '.' || end+1 == len(s) || !inName(s[end+1]))
		if before && after {
			return true
		}
		off = start + 1
	}
}

// isWord reports whether s is empty or holds only ASCII letters and
// digits.
func isWord(s string) bool {
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9') {
			return false
		}
	}
	return true
}
