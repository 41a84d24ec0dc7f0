package inetaddr_test

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/internal/inetaddr"
)

// TestValidatorsOwnAssertions: every assertion of commons-validator
// 1.10.0's InetAddressValidatorTest holds for Valid4 and Valid6.
func TestValidatorsOwnAssertions(t *testing.T) {
	f, err := os.Open("testdata/validator-1.10.0.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	n := 0
	for s.Scan() {
		line := s.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		head, addr, ok := strings.Cut(line, "\t")
		method, want, _ := strings.Cut(head, " ")
		if !ok {
			t.Fatalf("line %q: no tab", line)
		}
		var got bool
		switch method {
		case "isValidInet6Address":
			got = inetaddr.Valid6(addr)
		case "isValid":
			got = inetaddr.Valid4(addr) || inetaddr.Valid6(addr)
		default:
			t.Fatalf("line %q: method %q", line, method)
		}
		if got != (want == "true") {
			t.Errorf("%s(%q) = %v, the validator's test asserts %s", method, addr, got, want)
		}
		n++
	}
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 490 {
		t.Fatalf("%d assertions read, want the test's 494 and more", n)
	}
}

// TestValidatorsRules: what the source of InetAddressValidator 1.10.0
// (isValidInet4Address, isValidInet6Address) makes of the cases its test
// leaves out, each read from the line of the source cited.
func TestValidatorsRules(t *testing.T) {
	for _, tt := range []struct {
		addr   string
		v4, v6 bool
	}{
		// isValidInet4Address: IPV4_REGEX ^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$
		// (matches(): no trailing newline), then each group <= 255 and no
		// leading zero.
		{"0.0.0.0", true, false},
		{"255.255.255.255", true, false},
		{"1.2.3.256", false, false},
		{"1.2.3.04", false, false},
		{"1.2.3.4\n", false, false},
		{"1.2.3.4%eth0", false, false},
		{"１.2.3.4", false, false}, // \d is ASCII
		{"", false, false},
		// isValidInet6Address: the prefix length, split on '/' first:
		// \d{1,3}, 0 to 128 (MAX_BYTE).
		{"2001:db8::/32", false, true},
		{"fe80::1/64", false, true},
		{"::1/128", false, true},
		{"::1/064", false, true},
		{"::1/129", false, false},
		{"::1/", false, false},
		{"::1/1/2", false, false},
		// the zone, split on '%': ID_CHECK_PATTERN [^\s/%]+ (Java's \s:
		// ASCII whitespace).
		{"fe80::1%eth0", false, true},
		{"fe80::1%a b", false, false},
		{"fe80::1%a\tb", false, false},
		{"fe80::1%a\vb", false, false},
		{"fe80::1%", false, false},
		{"fe80::1%a%b", false, false},
		{"fe80::1%é", false, true},
		{"fe80::1%a\u00a0b", false, true}, // no ASCII whitespace
		{"fe80::1%eth0/64", false, true},
		// the groups: split(":") drops trailing empty strings; a group
		// blank after String.trim (characters up to U+0020) is an empty
		// one, and counts.
		{"::", false, true},
		{"1::", false, true},
		{"1:2:3:4:5:6:7::", false, true},
		{"1:2:3:4:5:6:7:8::", false, false},
		{":::", false, false},
		{"1:2:3:4:5:6:7: ", false, true},
		{"1:2:3: :5:6:7:8", false, true},
		{"1:: :2", false, false}, // two empty groups in a row
		{"1:2:3:4:5:6:7:", false, false},
		{"1.2.3.4", true, false},
		{"::1.2.3.4", false, true},
		{"1.2.3.4::", false, false},
		// each other group: at most four characters Integer.parseInt(g,
		// 16) reads to a value >= 0: a sign, then Character.digit's
		// digits (any Unicode decimal digit, fullwidth A-F).
		{"::+1", false, true},
		{"::-0", false, true},
		{"::-1", false, false},
		{"::+", false, false},
		{"::+ffff", false, false}, // five characters
		{"::ffff", false, true},
		{"::fffff", false, false},
		{"::٣", false, true},  // ARABIC-INDIC DIGIT THREE
		{"::-٠", false, true}, // ARABIC-INDIC DIGIT ZERO, signed
		{"::-٣", false, false},
		{"::ＡＢ", false, true}, // FULLWIDTH A, B
		{"::Ｇ", false, false}, // FULLWIDTH G
		{"::𝟎", false, false}, // MATHEMATICAL BOLD DIGIT ZERO: two UTF-16 units, no digit
		{"::g", false, false},
		{" ::1", false, false},
	} {
		if got := inetaddr.Valid4(tt.addr); got != tt.v4 {
			t.Errorf("Valid4(%q) = %v, want %v", tt.addr, got, tt.v4)
		}
		if got := inetaddr.Valid6(tt.addr); got != tt.v6 {
			t.Errorf("Valid6(%q) = %v, want %v", tt.addr, got, tt.v6)
		}
	}
}
