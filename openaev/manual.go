package openaev

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/runtime"
	"github.com/injectkit/injectkit/signatures"
)

// manualTargets splits, trims, validates and de-duplicates manual targets
// (the form's comma-separated field) as the CLI does its --target values
// (runtime.TargetSpec.Key: 0:0:0:0:0:0:0:1 repeats ::1, LOCALHOST
// repeats localhost), keeping the first as written. A CIDR range
// (127.0.0.0/30, 2001:db8::/120) expands to one target per address, in
// order, every address of the range as nmap scans it, network and
// broadcast addresses included, as the CLI expands one and as the
// platform's own nmap injector hands a range to nmap (OpenAEV-Platform
// injectors, nmap/: NmapCommandBuilder.build_args passes each manual
// target to nmap as written). A range holding an address that names no
// one host (signatures.NotAHost: 0.0.0.0/30, 224.0.0.0/24) is refused
// whole, naming that address, and so is an address followed by "/" that
// is no range (signatures.RangeReason: 10.0.0.0/33); any other value
// holding "/" is refused as the host name it is not ("-oN/x"). The targets are counted
// before any is made (boundManual): more than limit, repeats included, a
// range by its addresses, are refused. Of several items, the one refused
// is named by its position ("item 2 of 3: …"), and a byte an error names
// counts within that item as trimmed.
func manualTargets(raw string, limit int) ([]runtime.TargetSpec, error) {
	field := "inject_content." + KeyTargets
	n := countItems(raw)
	bad := func(k int, v, reason string) error {
		if n > 1 {
			reason = fmt.Sprintf("item %d of %d: %s", k, n, reason)
		}
		return &ValidationError{Field: field, Value: v, Reason: reason}
	}
	if err := boundManual(raw, n, limit, bad); err != nil {
		return nil, err
	}
	var out []runtime.TargetSpec
	seen := map[string]bool{}
	keep := func(spec runtime.TargetSpec) {
		if k := spec.Key(); !seen[k] {
			seen[k] = true
			out = append(out, spec)
		}
	}
	k := 0 // the item's position, from 1, among the non-empty ones
	for _, item := range strings.Split(raw, ",") {
		v := strings.TrimSpace(item)
		if v == "" {
			continue
		}
		k++
		if addr, _, isRange := strings.Cut(v, "/"); isRange && validAddr(addr) {
			p, err := netip.ParsePrefix(v)
			if err != nil {
				return nil, bad(k, v, signatures.RangeReason(v))
			}
			p = p.Masked()
			a := p.Addr()
			for range rangeSize(p) { // bounded by boundManual
				if reason := signatures.NotAHost(a); reason != "" {
					return nil, bad(k, v, fmt.Sprintf("the range holds %s: %s", a, reason))
				}
				keep(runtime.TargetSpec{Value: a.String()})
				a = a.Next()
			}
			continue
		}
		if err := validTarget(v); err != nil {
			reason := err.Error()
			var ve *ValidationError
			if errors.As(err, &ve) {
				reason = ve.Reason
			}
			return nil, bad(k, v, reason)
		}
		keep(runtime.TargetSpec{Value: v})
	}
	return out, nil
}

// boundManual refuses the n manual targets of raw when they are more than
// limit, counted without splitting raw nor making a target: an item one
// target, a CIDR range its addresses (a value holding "/" that is no range
// one, refused later for what it is). A range past the limit is named
// (bad: its item, its addresses and the count with the items before it),
// as the CLI names a range past --max-targets, before a /8 makes 16
// million targets; a list of host names past it is refused by its count.
func boundManual(raw string, n, limit int, bad func(k int, v, reason string) error) error {
	total, ranges, k := 0, false, 0
	for rest := raw; ; {
		item, after, more := strings.Cut(rest, ",")
		if v := strings.TrimSpace(item); v != "" {
			k++
			size, shown := 1, ""
			if p, err := netip.ParsePrefix(v); err == nil {
				ranges = true
				bits := p.Addr().BitLen() - p.Bits()
				if bits >= 62 {
					return bad(k, v, fmt.Sprintf("a range of 2^%d addresses, more than max_targets (%d), the most an inject may have", bits, limit))
				}
				size, shown = 1<<bits, fmt.Sprint(1<<bits)
			}
			total += size
			switch {
			case total <= limit:
			case shown != "" && total == size:
				return bad(k, v, fmt.Sprintf("a range of %s addresses, more than max_targets (%d), the most an inject may have", shown, limit))
			case shown != "":
				return bad(k, v, fmt.Sprintf("a range of %s addresses, %d targets with the items before it, more than max_targets (%d), the most an inject may have", shown, total, limit))
			case !ranges:
				return tooManyTargets("inject_content."+KeyTargets, n, limit)
			default:
				return &ValidationError{Field: "inject_content." + KeyTargets, Reason: fmt.Sprintf(
					"at least %d targets, a range counted by its addresses, more than max_targets (%d), the most an inject may have", total, limit)}
			}
		}
		if !more {
			return nil
		}
		rest = after
	}
}

// rangeSize is the number of addresses of p, a masked range boundManual
// has bounded.
func rangeSize(p netip.Prefix) int {
	return 1 << (p.Addr().BitLen() - p.Bits())
}
