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
			spec := runtime.TargetSpec{Query: q, TargetHostname: v.v}
			if a, err := netip.ParseAddr(v.v); err == nil || strings.Contains(v.v, "/") {
				if err == nil && a.Is6() {
					return usageErr("%s: a query is narrowed to an IPv4 address or a host name, not an IPv6 address",
						l.head(v.o, "", v.v))
				}
				spec = runtime.TargetSpec{Query: q, TargetIPv4: v.v}
			}
			if err := l.add(spec, v.o); err != nil {
				return err
			}
		}
	}
	return nil
}

// cloudTargets adds one cloud target per --cloud-region and
// --target-service.
func cloudTargets(l *targetList, cfg runConfig) error {
	given := ""
	if cfg.given(false, cloudKeys...) != "" { // a setting the user may not know of
		given = "; given: " + cfg.given(true, cloudKeys...)
	}
	// A blank provider or account is none, named as the user gave it.
	named := func(key, flag, v string) string {
		w := cfg.where(key)
		if w == " ("+flag+")" {
			w = ""
		}
		return fmt.Sprintf("%s %q%s", nameAt(flag, w), v, w)
	}
	switch {
	case strings.TrimSpace(cfg.CloudProvider) == "":
		return usageErr("invalid %s: required with --cloud-account and --cloud-region (e.g. aws)%s",
			named("cloud_provider", "--cloud-provider", cfg.CloudProvider), given)
	case strings.TrimSpace(cfg.CloudAccount) == "":
		return usageErr("invalid %s: required with --cloud-provider (the account, subscription or project id)%s",
			named("cloud_account", "--cloud-account", cfg.CloudAccount), given)
	case len(cfg.CloudRegions) == 0:
		return usageErr("invalid --cloud-region \"\": required with --cloud-provider (repeatable: one target per region)%s", given)
	}
	services := cfg.TargetServices
	if len(services) == 0 {
		services = []string{""}
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
