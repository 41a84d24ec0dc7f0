//go:build ignore

// gen_fixtures writes the Shodan host search fixtures under testdata/:
// pages of 100 matches shaped like the API's answers, with documentation
// addresses (RFC 5737), example domains (RFC 2606) and documentation AS
// numbers (RFC 5398). Run it with `go generate ./injectors/query/shodantest`.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

type vuln struct {
	Verified   bool     `json:"verified"`
	References []string `json:"references"`
	CVSS       float64  `json:"cvss"`
	CVSSv2     float64  `json:"cvss_v2,omitempty"`
	EPSS       float64  `json:"epss"`
	Ranking    float64  `json:"ranking_epss"`
	KEV        bool     `json:"kev"`
	Summary    string   `json:"summary"`
}

var apacheVulns = map[string]vuln{
	"CVE-2021-41773": {References: []string{"https://httpd.apache.org/security/vulnerabilities_24.html"}, CVSS: 7.5, EPSS: 0.94, Ranking: 0.99, KEV: true,
		Summary: "A flaw was found in a change made to path normalization in Apache HTTP Server 2.4.49."},
	"CVE-2021-42013": {References: []string{"https://httpd.apache.org/security/vulnerabilities_24.html"}, CVSS: 9.8, EPSS: 0.94, Ranking: 0.99, KEV: true,
		Summary: "It was found that the fix for CVE-2021-41773 in Apache HTTP Server 2.4.50 was insufficient."},
	"CVE-2023-25690": {References: []string{"https://httpd.apache.org/security/vulnerabilities_24.html"}, CVSS: 9.8, EPSS: 0.21, Ranking: 0.95,
		Summary: "Some mod_proxy configurations on Apache HTTP Server versions 2.0.0 through 2.4.55 allow a HTTP Request Smuggling attack."},
	"CVE-2024-38476": {References: []string{"https://httpd.apache.org/security/vulnerabilities_24.html"}, CVSS: 9.8, EPSS: 0.03, Ranking: 0.86,
		Summary: "Vulnerability in core of Apache HTTP Server 2.4.59 and earlier are vulnerably to information disclosure, SSRF or local script execution."},
}

var nginxVulns = map[string]vuln{
	"CVE-2021-23017": {References: []string{"http://mailman.nginx.org/pipermail/nginx-announce/2021/000300.html"}, CVSS: 7.7, CVSSv2: 6.8, EPSS: 0.52, Ranking: 0.97,
		Summary: "A security issue in nginx resolver was identified, which might allow an attacker to cause 1-byte memory overwrite."},
	"CVE-2019-20372": {References: []string{"https://nginx.org/en/CHANGES"}, CVSS: 5.3, CVSSv2: 4.3, EPSS: 0.61, Ranking: 0.97,
		Summary: "NGINX before 1.17.7, with certain error_page configurations, allows HTTP request smuggling."},
}

var places = []map[string]any{
	{"city": "Paris", "region_code": "IDF", "area_code": nil, "longitude": 2.3488, "latitude": 48.85341, "country_code": "FR", "country_name": "France"},
	{"city": "Frankfurt am Main", "region_code": "HE", "area_code": nil, "longitude": 8.68417, "latitude": 50.11552, "country_code": "DE", "country_name": "Germany"},
	{"city": "Ashburn", "region_code": "VA", "area_code": nil, "longitude": -77.48749, "latitude": 39.04372, "country_code": "US", "country_name": "United States"},
	{"city": "Tokyo", "region_code": "13", "area_code": nil, "longitude": 139.69171, "latitude": 35.6895, "country_code": "JP", "country_name": "Japan"},
}

var orgs = []struct{ org, isp, asn string }{
	{"Example Hosting SAS", "Example Hosting", "AS64496"},
	{"Documentation Cloud GmbH", "Documentation Cloud", "AS64497"},
	{"Test Networks Inc.", "Test Networks", "AS64498"},
	{"Sample Telecom KK", "Sample Telecom", "AS64499"},
}

var nets = []string{"192.0.2", "198.51.100", "203.0.113"}

func ip(i int) (string, uint32) {
	n := nets[i/250%len(nets)]
	host := i%250 + 1
	var a, b, c uint32
	fmt.Sscanf(n, "%d.%d.%d", &a, &b, &c)
	return fmt.Sprintf("%s.%d", n, host), a<<24 | b<<16 | c<<8 | uint32(host)
}

func match(r *rand.Rand, i int, ipStr string, ipInt uint32, product, version string, vulns map[string]vuln, port int) map[string]any {
	o := orgs[r.IntN(len(orgs))]
	domain := []string{"example.com", "example.net", "example.org"}[r.IntN(3)]
	host := fmt.Sprintf("web%d.%s", i, domain)
	server := "Apache/" + version + " (Ubuntu)"
	module := "http"
	if port == 443 {
		module = "https"
	}
	if strings.HasPrefix(product, "nginx") {
		server = "nginx/" + version
	}
	var os any
	if r.IntN(4) == 0 {
		os = "Ubuntu"
	}
	m := map[string]any{
		"hash":      r.Int32(),
		"asn":       o.asn,
		"ip":        ipInt,
		"ip_str":    ipStr,
		"port":      port,
		"transport": "tcp",
		"hostnames": []string{host},
		"domains":   []string{domain},
		"org":       o.org,
		"isp":       o.isp,
		"product":   product,
		"version":   version,
		"os":        os,
		"cpe23":     []string{"cpe:2.3:a:" + map[bool]string{true: "f5:nginx", false: "apache:http_server"}[strings.HasPrefix(product, "nginx")] + ":" + version},
		"cpe":       []string{"cpe:/a:" + map[bool]string{true: "f5:nginx", false: "apache:http_server"}[strings.HasPrefix(product, "nginx")] + ":" + version},
		"data":      fmt.Sprintf("HTTP/1.1 200 OK\r\nDate: Fri, 20 Nov 2026 08:%02d:%02d GMT\r\nServer: %s\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n", i%60, (i*7)%60, server),
		"timestamp": fmt.Sprintf("2026-11-%02dT%02d:%02d:%02d.%06d", 1+i%26, i%24, (i*7)%60, (i*13)%60, r.IntN(1000000)),
		"location":  places[r.IntN(len(places))],
		"http": map[string]any{
			"status": 200, "title": "Welcome", "server": server, "host": ipStr,
			"html_hash": r.Int32(), "robots_hash": nil, "securitytxt": nil, "sitemap": nil,
		},
		"_shodan": map[string]any{
			"region": "eu", "module": module, "ptr": true, "options": map[string]any{},
			"id":      fmt.Sprintf("%08x-%04x-4%03x-8%03x-%012x", r.Uint32(), r.IntN(1<<16), r.IntN(1<<12), r.IntN(1<<12), r.Int64N(1<<48)),
			"crawler": fmt.Sprintf("%040x", r.Uint64()),
		},
		"opts": map[string]any{},
	}
	if len(vulns) > 0 {
		m["vulns"] = vulns
	}
	return m
}

func pick(r *rand.Rand, all map[string]vuln) map[string]vuln {
	out := map[string]vuln{}
	for id, v := range all {
		if r.IntN(3) == 0 {
			out[id] = v
		}
	}
	return out
}

func write(name string, matches []map[string]any, total int) {
	b, err := json.MarshalIndent(map[string]any{"matches": matches, "facets": map[string]any{}, "total": total}, "", " ")
	if err != nil {
		log.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("testdata", name), append(b, '\n'), 0o644); err != nil {
		log.Fatal(err)
	}
}

func main() {
	r := rand.New(rand.NewPCG(2026, 11))
	// "apache": 250 banners on three pages; the first is a loopback banner so
	// that a run narrowed to ip:127.0.0.1 has a match.
	var apache []map[string]any
	apache = append(apache, match(r, 0, "127.0.0.1", 0x7f000001, "Apache httpd", "2.4.49", apacheVulns, 80))
	for i := 1; i < 250; i++ {
		s, n := ip(i)
		port := []int{80, 443, 8080}[r.IntN(3)]
		version := []string{"2.4.41", "2.4.49", "2.4.52", "2.4.58", "2.4.62"}[r.IntN(5)]
		var v map[string]vuln
		if version != "2.4.62" {
			v = pick(r, apacheVulns)
		}
		apache = append(apache, match(r, i, s, n, "Apache httpd", version, v, port))
	}
	write("apache-page-1.json", apache[:100], len(apache))
	write("apache-page-2.json", apache[100:200], len(apache))
	write("apache-page-3.json", apache[200:], len(apache))
	// "nginx": one short page, a few banners with vulns, one IPv6 banner.
	var nginx []map[string]any
	for i := 0; i < 12; i++ {
		s, n := ip(500 + i)
		nginx = append(nginx, match(r, 500+i, s, n, "nginx", []string{"1.18.0", "1.24.0"}[i%2], pick(r, nginxVulns), 443))
	}
	v6 := match(r, 512, "2001:db8::15", 0, "nginx", "1.18.0", nginxVulns, 443)
	delete(v6, "ip")
	v6["ipv6"] = "2001:db8::15"
	nginx = append(nginx, v6)
	write("nginx-page-1.json", nginx, len(nginx))
}
