package nmap

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// ErrNotNmapXML is returned when nmap's output is empty or is not an nmap
// XML report (its root element is not nmaprun).
var ErrNotNmapXML = errors.New("output is not an nmap XML report")

// maxQuoted bounds, in characters, the start of a non-XML output quoted in
// an error.
const maxQuoted = 64

// nmapRun is what the parser kept of one nmap XML report.
type nmapRun struct {
	Version string
	Args    string
	// Started is set when the root holds the attributes nmap writes as its
	// scan starts (start=…), before it resolves or probes any target; a
	// bare <nmaprun> is what nmap's fatal() writes when it quits before.
	Started  bool
	ScanType string // scaninfo type: connect, syn, fin…
	Hosts    []host
	// Complete is set once the closing </nmaprun> is read; a report cut
	// short (nmap killed, output truncated) keeps every host it closed.
	Complete bool
	// Exit and ErrorMsg come from runstats/finished.
	Exit     string
	ErrorMsg string
	// Err is the read or syntax error that ended an incomplete report.
	Err error
}

// host is one <host> element.
type host struct {
	Status    hostStatus `xml:"status"`
	Addresses []address  `xml:"address"`
	Hostnames []hostname `xml:"hostnames>hostname"`
	Ports     []port     `xml:"ports>port"`
	// Extra are the ports nmap counts rather than lists, by state.
	Extra []extraPorts `xml:"ports>extraports"`
	// scan is the scan (scanGroup) that reported the host: its targets
	// are the only ones it may match.
	scan int
	// unsent says why no packet could go to the host (noRouteCheck);
	// "" when one could.
	unsent string
}

// extraPorts is one <extraports> element: ports of one state nmap
// counts rather than lists.
type extraPorts struct {
	State string `xml:"state,attr"`
	Count int    `xml:"count,attr"`
}

type hostStatus struct {
	State string `xml:"state,attr"`
}

type address struct {
	Addr string `xml:"addr,attr"`
	Type string `xml:"addrtype,attr"` // ipv4, ipv6, mac
}

type hostname struct {
	Name string `xml:"name,attr"`
	Type string `xml:"type,attr"` // user, PTR
}

type port struct {
	Protocol string    `xml:"protocol,attr"`
	ID       string    `xml:"portid,attr"`
	State    portState `xml:"state"`
	Service  service   `xml:"service"`
}

type portState struct {
	State  string `xml:"state,attr"`  // open, closed, filtered, open|filtered…
	Reason string `xml:"reason,attr"` // syn-ack, conn-refused, net-unreach…
}

type service struct {
	Name    string `xml:"name,attr"`
	Product string `xml:"product,attr"`
	Version string `xml:"version,attr"`
	// Tunnel is "ssl" when -sV found the service behind TLS: Name is
	// then the service inside it (http for HTTPS).
	Tunnel string `xml:"tunnel,attr"`
	// Method is how nmap named the service: "probed" (-sV identified
	// it) or "table" (from its port list alone).
	Method string `xml:"method,attr"`
	// guess is set (markGuesses) when a version scan could not identify
	// the service and nmap named it from its port list alone.
	guess bool
}

// label is the service's name as nmap's own port table writes it: the
// service behind TLS prefixed "ssl/" ("ssl/http", HTTPS), so that it
// never reads as its cleartext service, and one a version scan only
// guessed from the port number followed by "?" ("sun-answerbook?"), so
// that it never reads as identified; "" when nmap named none.
func (s service) label() string {
	name := s.Name
	if name == "" {
		return ""
	}
	if s.Tunnel == "ssl" {
		name = "ssl/" + name
	}
	if s.guess {
		name += "?"
	}
	return name
}

// markGuesses marks the services of h a version scan (-sV) could not
// identify, named from nmap's port list alone (method "table"), as nmap
// marks them. Without a version scan every name is the port list's, and
// nmap writes none with a "?". Nor is "unknown" a guess: it is what nmap's
// report names a service it could not identify on a port its list has no
// name for (its table writes it "unknown", no "?"), and it names no
// service that a "?" could doubt on a port the list calls so.
func markGuesses(h *host, versionScan bool) {
	if !versionScan {
		return
	}
	for i := range h.Ports {
		s := &h.Ports[i].Service
		s.guess = s.Method == "table" && s.Name != "" && s.Name != unknownService
	}
}

// unknownService is the name nmap's report gives a service it has no name
// for.
const unknownService = "unknown"

// number returns the port number, or 0 when the report holds no valid one.
func (p port) number() int {
	n, err := strconv.Atoi(p.ID)
	if err != nil || n < 1 || n > 65535 {
		return 0
	}
	return n
}

// taskProgress is one <taskprogress> element, written by --stats-every.
// A number nmap left out (a service scan's first lines have a percent but no
// estimate) or wrote unreadably is nil.
type taskProgress struct {
	Task      string
	Percent   *float64
	Remaining *int64 // seconds
	ETC       *int64 // Unix time of the estimated completion
}

// parseHooks are called as the report streams in.
type parseHooks struct {
	host     func(host)
	progress func(taskProgress)
}

// parse reads an nmap XML report from r as it streams in, calling hooks for
// each closed <host> and each <taskprogress>. The root element must be
// nmaprun, and the only declaration allowed is the one nmap writes,
// <!DOCTYPE nmaprun>: any other document type declaration (an internal
// subset, an external DTD), an ENTITY or any other declaration, before the
// root or inside it, is ErrNotNmapXML, and nothing it declares is ever
// expanded; nor is any entity other than XML's five. A report that ends
// early is not an error: parse returns what it read with Complete unset
// and Err set. parse stops reading at </nmaprun>.
func parse(r io.Reader, h parseHooks) (*nmapRun, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	run := &nmapRun{}
	if err := readRoot(d, run); err != nil {
		return nil, err
	}
	for {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			run.Err = err
			return run, nil
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, declarationError(t)
		case xml.StartElement:
			if err := readElement(d, t, run, h); err != nil {
				run.Err = err
				return run, nil
			}
		case xml.EndElement:
			if t.Name.Local == "nmaprun" {
				run.Complete = true
				return run, nil
			}
		}
	}
}

func readRoot(d *xml.Decoder, run *nmapRun) error {
	doctype := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return fmt.Errorf("%w: empty output", ErrNotNmapXML)
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotNmapXML, err)
		}
		if dir, ok := tok.(xml.Directive); ok {
			if doctype || !isNmapDoctype(dir) {
				return declarationError(dir)
			}
			doctype = true
			continue
		}
		if cd, ok := tok.(xml.CharData); ok {
			if text := strings.TrimSpace(string(cd)); text != "" {
				return fmt.Errorf("%w: not XML, it starts with %.*q", ErrNotNmapXML, maxQuoted, text)
			}
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue // prolog: XML declaration, processing instructions, comments, white space
		}
		if se.Name.Local != "nmaprun" {
			return fmt.Errorf("%w: root element is %q", ErrNotNmapXML, se.Name.Local)
		}
		run.Version = attr(se, "version")
		run.Args = attr(se, "args")
		run.Started = attr(se, "start") != ""
		return nil
	}
}

// isNmapDoctype reports whether a declaration is the document type
// declaration nmap writes: <!DOCTYPE nmaprun>, with neither an external
// identifier nor an internal subset.
func isNmapDoctype(d xml.Directive) bool {
	f := strings.Fields(string(d))
	return len(f) == 2 && f[0] == "DOCTYPE" && f[1] == "nmaprun"
}

// declarationError reports a declaration nmap does not write, naming its
// kind (DOCTYPE, ENTITY, …).
func declarationError(d xml.Directive) error {
	kind := ""
	if f := strings.Fields(string(d)); len(f) > 0 {
		kind = f[0]
	}
	return fmt.Errorf("%w: declaration %.20q other than nmap's <!DOCTYPE nmaprun>", ErrNotNmapXML, kind)
}

func readElement(d *xml.Decoder, t xml.StartElement, run *nmapRun, h parseHooks) error {
	switch t.Name.Local {
	case "host":
		var hs host
		if err := d.DecodeElement(&hs, &t); err != nil {
			return err
		}
		run.Hosts = append(run.Hosts, hs)
		if h.host != nil {
			h.host(hs)
		}
	case "scaninfo":
		if run.ScanType == "" {
			run.ScanType = attr(t, "type")
		}
	case "finished":
		run.Exit = attr(t, "exit")
		run.ErrorMsg = attr(t, "errormsg")
	case "taskprogress":
		if h.progress != nil {
			h.progress(taskProgress{
				Task:      attr(t, "task"),
				Percent:   parseFloat(attr(t, "percent")),
				Remaining: parseInt(attr(t, "remaining")),
				ETC:       parseInt(attr(t, "etc")),
			})
		}
	}
	return nil
}

func attr(se xml.StartElement, name string) string {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// parseFloat returns the number s holds, or nil when it holds none.
func parseFloat(s string) *float64 {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil
	}
	return &f
}

// parseInt returns the integer s holds, or nil when it holds none.
func parseInt(s string) *int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil
	}
	return &n
}
