package nmap

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParseHost(t *testing.T) {
	run, err := parse(bytes.NewReader(readFixture(t, "hostname/nmap.xml")), parseHooks{})
	if err != nil {
		t.Fatal(err)
	}
	if !run.Complete || run.Err != nil || run.Exit != "success" || run.ScanType != "connect" || run.Version != "7.93" {
		t.Fatalf("run = %+v", run)
	}
	want := []host{{
		Status:    hostStatus{State: "up"},
		Addresses: []address{{Addr: "127.0.0.1", Type: "ipv4"}},
		Hostnames: []hostname{{Name: "localhost", Type: "user"}},
		Ports: []port{
			{Protocol: "tcp", ID: "18100", State: portState{"open", "syn-ack"},
				Service: service{Name: "ssh", Product: "OpenSSH", Version: "8.9p1 Ubuntu 3ubuntu0.1", Method: "probed"}},
			{Protocol: "tcp", ID: "18101", State: portState{"closed", "conn-refused"}, Service: service{Name: "unknown", Method: "table"}},
			{Protocol: "tcp", ID: "18102", State: portState{"filtered", "no-response"}},
		},
	}}
	if !reflect.DeepEqual(run.Hosts, want) {
		t.Errorf("hosts = %+v\nwant    %+v", run.Hosts, want)
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"empty", "", "empty output"},
		{"white space", " \n\t", "empty output"},
		{"text", "Starting Nmap 7.93\n", `not XML, it starts with "Starting Nmap 7.93"`},
		{"text then xml", "\nhello world\n<nmaprun/>", `not XML, it starts with "hello world"`},
		{"long text", strings.Repeat("x", 200), `not XML, it starts with "` + strings.Repeat("x", maxQuoted) + `"`},
		{"other root", `<?xml version="1.0"?><html><host/></html>`, `root element is "html"`},
		{"broken prolog", `<?xml version="1.0"?><nmaprun`, "unexpected EOF"},
		{"other charset", `<?xml version="1.0" encoding="ISO-8859-1"?><nmaprun></nmaprun>`, "ISO-8859-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			run, err := parse(strings.NewReader(tt.in), parseHooks{})
			if !errors.Is(err, ErrNotNmapXML) || run != nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("parse = %+v, %v; want ErrNotNmapXML saying %q", run, err, tt.want)
			}
		})
	}
}

// TestParseRejectsDeclarations: a report with a declaration other than
// nmap's own <!DOCTYPE nmaprun> (an internal subset, an external DTD, an
// entity) is not an nmap report, wherever the declaration is, and nothing
// it declares is expanded.
func TestParseRejectsDeclarations(t *testing.T) {
	const hostXML = `<host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/></host>`
	tests := []struct {
		name, in string
	}{
		{"external entity", `<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<nmaprun>` + hostXML + `<host><hostnames><hostname name="&xxe;" type="user"/></hostnames></host></nmaprun>`},
		{"entity bomb", `<?xml version="1.0"?>
<!DOCTYPE nmaprun [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>
<nmaprun>` + hostXML + `</nmaprun>`},
		{"internal subset without entity", `<!DOCTYPE nmaprun [<!ELEMENT nmaprun ANY>]><nmaprun>` + hostXML + `</nmaprun>`},
		{"external DTD", `<!DOCTYPE nmaprun SYSTEM "http://127.0.0.1:1/nmap.dtd"><nmaprun>` + hostXML + `</nmaprun>`},
		{"public DTD", `<!DOCTYPE nmaprun PUBLIC "-//x//y" "nmap.dtd"><nmaprun>` + hostXML + `</nmaprun>`},
		{"other root's doctype", `<!DOCTYPE html><nmaprun>` + hostXML + `</nmaprun>`},
		{"two doctypes", `<!DOCTYPE nmaprun><!DOCTYPE nmaprun><nmaprun>` + hostXML + `</nmaprun>`},
		{"entity alone", `<!ENTITY x "y"><nmaprun>` + hostXML + `</nmaprun>`},
		{"lower-case doctype", `<!doctype nmaprun><nmaprun>` + hostXML + `</nmaprun>`},
		{"declaration inside the report", `<!DOCTYPE nmaprun><nmaprun>` + hostXML +
			`<!DOCTYPE nmaprun [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` + hostXML + `</nmaprun>`},
		{"entity inside the report", `<nmaprun>` + hostXML + `<!ENTITY x "y"></nmaprun>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hosts []host
			run, err := parse(strings.NewReader(tt.in), parseHooks{host: func(h host) { hosts = append(hosts, h) }})
			if !errors.Is(err, ErrNotNmapXML) || run != nil {
				t.Fatalf("parse = %+v, %v; want ErrNotNmapXML", run, err)
			}
			if !strings.Contains(err.Error(), "declaration") {
				t.Errorf("error %q does not name the declaration", err)
			}
			for _, h := range hosts {
				for _, hn := range h.Hostnames {
					if hn.Name != "" {
						t.Errorf("entity expanded to %q", hn.Name)
					}
				}
			}
		})
	}
}

// TestParseAcceptsNmapDoctype: the declaration nmap writes is no reason to
// refuse a report.
func TestParseAcceptsNmapDoctype(t *testing.T) {
	for _, doctype := range []string{"<!DOCTYPE nmaprun>", "<!DOCTYPE  nmaprun\n>", ""} {
		in := `<?xml version="1.0" encoding="UTF-8"?>` + doctype +
			`<?xml-stylesheet href="file:///usr/share/nmap/nmap.xsl" type="text/xsl"?><!-- Nmap --><nmaprun>` +
			`<host><status state="up"/><address addr="127.0.0.1" addrtype="ipv4"/></host></nmaprun>`
		run, err := parse(strings.NewReader(in), parseHooks{})
		if err != nil || !run.Complete || len(run.Hosts) != 1 {
			t.Errorf("%q: parse = %+v, %v", doctype, run, err)
		}
	}
}

// TestParseTruncatedAtEveryByte cuts a real report at every byte: parse never
// fails once the root is read, and returns exactly the hosts closed before
// the cut, each identical to the full parse's.
func TestParseTruncatedAtEveryByte(t *testing.T) {
	doc := readFixture(t, "several_hosts/nmap.xml")
	full, err := parse(bytes.NewReader(doc), parseHooks{})
	if err != nil || len(full.Hosts) != 3 {
		t.Fatalf("full parse: %v, %d hosts", err, len(full.Hosts))
	}
	root := bytes.Index(doc, []byte("<nmaprun ")) + bytes.IndexByte(doc[bytes.Index(doc, []byte("<nmaprun ")):], '>') + 1
	for n := root; n < len(doc); n++ {
		cut := doc[:n]
		run, err := parse(bytes.NewReader(cut), parseHooks{})
		if err != nil {
			t.Fatalf("cut at %d: %v", n, err)
		}
		closed := bytes.Count(cut, []byte("</host>"))
		if len(run.Hosts) != closed {
			t.Fatalf("cut at %d: %d hosts, want %d", n, len(run.Hosts), closed)
		}
		if closed > 0 && !reflect.DeepEqual(run.Hosts, full.Hosts[:closed]) {
			t.Fatalf("cut at %d: hosts differ from the full parse", n)
		}
		if run.Complete != bytes.Contains(cut, []byte("</nmaprun>")) {
			t.Fatalf("cut at %d: Complete = %v", n, run.Complete)
		}
	}
}

func TestParseStreamsHooks(t *testing.T) {
	var hosts []host
	var progress []taskProgress
	run, err := parse(bytes.NewReader(readFixture(t, "progress/nmap.xml")), parseHooks{
		host:     func(h host) { hosts = append(hosts, h) },
		progress: func(tp taskProgress) { progress = append(progress, tp) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(hosts) != 1 || !reflect.DeepEqual(hosts, run.Hosts) {
		t.Errorf("host hook got %d hosts", len(hosts))
	}
	if len(progress) == 0 {
		t.Fatal("no progress reported")
	}
	last := -1.0
	for _, tp := range progress {
		if tp.Task != "Connect Scan" || tp.Percent == nil || *tp.Percent < last || *tp.Percent > 100 {
			t.Errorf("progress %+v after %.2f%%", tp, last)
			continue
		}
		last = *tp.Percent
	}
	if end := progress[len(progress)-1]; end.ETC == nil || *end.ETC == 0 || end.Remaining == nil || *end.Remaining == 0 {
		t.Errorf("last progress lacks an estimate: %+v", end)
	}
}

func TestPortNumber(t *testing.T) {
	for id, want := range map[string]int{"22": 22, "65535": 65535, "0": 0, "65536": 0, "-1": 0, "x": 0, "": 0} {
		if got := (port{ID: id}).number(); got != want {
			t.Errorf("number(%q) = %d, want %d", id, got, want)
		}
	}
}

// TestServiceLabel checks the service names of services_discovered and
// the partial lines against nmap's own table: a name -sV only took from
// nmap's port list ends in "?", unless it is "unknown", which nmap's report
// gives a service it could not name on a port its list has none for
// (nmap's table writes "18105/tcp open unknown"); without -sV no name does.
func TestServiceLabel(t *testing.T) {
	tests := []struct {
		name        string
		service     service
		versionScan bool
		want        string
	}{
		{"identified", service{Name: "ssh", Method: "probed"}, true, "18105/tcp ssh"},
		{"guessed from the port list", service{Name: "radpdf", Method: "table"}, true, "18105/tcp radpdf?"},
		{"no name nmap could give", service{Name: "unknown", Method: "table"}, true, "18105/tcp unknown"},
		{"closed at once", service{Name: "tcpwrapped", Method: "probed"}, true, "18105/tcp tcpwrapped"},
		{"behind TLS", service{Name: "http", Method: "probed", Tunnel: "ssl"}, true, "18105/tcp ssl/http"},
		{"port list without -sV", service{Name: "radpdf", Method: "table"}, false, "18105/tcp radpdf"},
		{"no name at all", service{}, true, "18105/tcp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := host{Ports: []port{{Protocol: "tcp", ID: "18105", Service: tt.service}}}
			markGuesses(&h, tt.versionScan)
			if got := serviceLabel(h.Ports[0]); got != tt.want {
				t.Errorf("serviceLabel = %q, want %q", got, tt.want)
			}
		})
	}
}

// FuzzParse checks that no input makes the parser panic, and that what it
// returns is consistent: a complete report carries no error.
func FuzzParse(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*/*.xml")
	for _, s := range seeds {
		b, err := os.ReadFile(s)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<nmaprun><host><ports><port portid="99999" protocol="tcp"><state state="open"/></port></ports></host></nmaprun>`))
	f.Fuzz(func(t *testing.T, in []byte) {
		n := 0
		run, err := parse(bytes.NewReader(in), parseHooks{
			host:     func(host) { n++ },
			progress: func(taskProgress) {},
		})
		if err != nil {
			if run != nil {
				t.Fatal("run and error both returned")
			}
			return
		}
		if run.Complete && run.Err != nil {
			t.Fatalf("complete report with error %v", run.Err)
		}
		if n != len(run.Hosts) {
			t.Fatalf("hook saw %d hosts, run holds %d", n, len(run.Hosts))
		}
		// What the report yields must be safe to attribute.
		r := buildReport(nil, run.Hosts)
		for _, h := range run.Hosts {
			_ = partialLines(h)
		}
		_ = r.findings("", true)
	})
}
