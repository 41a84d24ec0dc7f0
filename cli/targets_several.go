package cli

import (
	"fmt"
	"net/netip"
	"strings"
	"unicode"

	"github.com/injectkit/injectkit/signatures"
)

// severalAdvice says, of a target refused that is several targets written
// as one (two on a targets file's line, "a,b" or "a b" given to one
// --target or one inject file entry), how many it holds and how to give
// each, in the words of where it was written: "" when a piece of it is no
// target (an address, a CIDR range or a host name) itself, or it is one
// piece.
func severalAdvice(s targetSource, value string) string {
	pieces := strings.FieldsFunc(value, func(r rune) bool { return r == ',' || unicode.IsSpace(r) })
	if len(pieces) < 2 {
		return ""
	}
	for _, p := range pieces {
		if _, err := netip.ParseAddr(p); err == nil {
			continue
		}
		if _, err := netip.ParsePrefix(p); err == nil {
			continue
		}
		if signatures.ValidateHostname("target", p) != nil {
			return ""
		}
	}
	how := "give each as an item of its own"
	switch {
	case s.kind == fromTargetFile:
		how = "write one a line"
	case s.kind == fromInjectFile:
		how = "give each an entry of its own in targets"
	case s.where == "":
		how = "give each with its own " + s.name
	}
	return fmt.Sprintf("; it holds %d targets: %s", len(pieces), how)
}
