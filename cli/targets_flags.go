package cli

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/injectkit/injectkit/runtime"
)

// The targets the flags make of their own: external (--query, narrowed
// by --target) and cloud (--cloud-*).

// queryTargets adds one external target per --query, narrowed to each
// --target (an IPv4 address, a CIDR range of them, or a host name) when
// some are given.
func queryTargets(l *targetList, queries []string, values []value, where func(query string) string) error {
	for _, q := range queries {
		src := l.sourceFrom(fromFlags, "--query", where(q))
		if len(values) == 0 {
			if err := l.add(runtime.TargetSpec{Query: q}, origin{src: src}); err != nil {
				return err
			}
			continue
		}
		for _, v := range values {
			if err := l.add(narrowed(q, v.v), v.o); err != nil {
				return err
			}
		}
	}
	return nil
}

// narrowed is the external target of query q narrowed to v, a --target:
// an address or a CIDR range goes in target_ipv4 (an IPv4-mapped one is
// the IPv4 address it maps, see signatures.Canonical), anything else is a
// host name. An IPv6 address or range is refused by the target's own
// checks (the runtime's, when lenient, so that the platform hears of it),
// named as written, as an inject file's target_ipv4.
func narrowed(q, v string) runtime.TargetSpec {
	if _, err := netip.ParseAddr(v); err == nil || strings.Contains(v, "/") {
		return runtime.TargetSpec{Query: q, TargetIPv4: v}
	}
	return runtime.TargetSpec{Query: q, TargetHostname: v}
}

// cloudTargets adds one cloud target per --cloud-region and
// --target-service.
func cloudTargets(l *targetList, cfg runConfig) error {
	given := ""
	if cfg.given(false, cloudKeys...) != "" { // a setting the user may not know of
		given = "; given: " + cfg.given(true, cloudKeys...)
	}
	// A blank provider or account is none, named as the user gave it; a
	// setting nobody gave is missing, said with the ways to give it.
	named := func(key, flag, v string) string {
		w := cfg.where(key)
		if w == " ("+flag+")" {
			w = ""
		}
		return fmt.Sprintf("%s %q%s", nameAt(flag, w), v, w)
	}
	// required is the error of key (its flag, v its value) left out or
	// blank: with names the settings it goes with, hint what it is.
	required := func(key, flag, v, with, hint string) error {
		if cfg.source(key).given() || v != "" {
			return fmt.Errorf("invalid %s: required with %s (%s)%s", named(key, flag, v), with, hint, given)
		}
		f := field{key: key}
		return fmt.Errorf("missing %s (%s): required with %s; give it with %s, env %s or key %s in the config file",
			key, hint, cfg.given(true, cloudKeys...), flag, f.env(), key)
	}
	var missing error
	switch {
	case strings.TrimSpace(cfg.CloudProvider) == "":
		missing = required("cloud_provider", "--cloud-provider", cfg.CloudProvider, "--cloud-account and --cloud-region", "e.g. aws")
	case strings.TrimSpace(cfg.CloudAccount) == "":
		missing = required("cloud_account", "--cloud-account", cfg.CloudAccount, "--cloud-provider", "the account, subscription or project id")
	case len(cfg.CloudRegions) == 0:
		missing = required("cloud_region", "--cloud-region", "", "--cloud-provider", "repeatable: one target per region")
	}
	services := cfg.TargetServices
	if len(services) == 0 {
		services = []string{""}
	}
	if missing != nil {
		return l.incomplete(cfg, services[0], missing)
	}
	for _, r := range cfg.CloudRegions {
		src := l.sourceFrom(fromFlags, "--cloud-region", cfg.whereItem("cloud_region", r))
		for _, s := range services {
			spec := runtime.TargetSpec{CloudProvider: cfg.CloudProvider, CloudAccountID: cfg.CloudAccount,
				CloudRegion: r, TargetService: s}
			if err := l.add(spec, origin{src: src}); err != nil {
				return err
			}
		}
	}
	return nil
}

// incomplete refuses the cloud target the flags leave incomplete (a
// provider, account or region missing): at once, or, when lenient, as the
// runtime's refusal of that target, as an inject file's, so that the
// platform gets its reception and INVALID_USAGE; the error is why either
// way.
func (l *targetList) incomplete(cfg runConfig, service string, why error) error {
	if !l.lenient {
		return &ExitError{Code: ExitUsage, Err: why}
	}
	var region string
	if len(cfg.CloudRegions) > 0 {
		region = cfg.CloudRegions[0]
	}
	src := l.sourceFrom(fromFlags, "--cloud-provider", cfg.where("cloud_provider"))
	if err := l.appendOne(runtime.TargetSpec{CloudProvider: cfg.CloudProvider, CloudAccountID: cfg.CloudAccount,
		CloudRegion: region, TargetService: service}, origin{src: src}); err != nil {
		return err
	}
	l.why = map[int]error{l.len() - 1: why}
	return nil
}
