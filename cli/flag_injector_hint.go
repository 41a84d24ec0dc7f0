package cli

import (
	"fmt"
	"strings"
)

// injectorFlagNote is the hint of a flag run and validate lack that names
// what a user looks for among the flags from an injector's own words: the
// injector itself (--injector, as the inject file's "injector" key),
// one of the injectors' params (--ports, --scan-type) or settings
// (--shodan-api-key). A flag that only looks alike (--inject-id for
// --injector) would be the wrong advice. "" for any other command or flag.
func injectorFlagNote(o Options, path, typed string) string {
	if path != "run" && path != "validate" {
		return ""
	}
	set := o.injectors()
	if typed == "injector" {
		return fmt.Sprintf("the injector is the command's argument, not a flag: %s %s NAME … (NAME one of %s), "+
			`or the inject file's "injector"`, o.name(), path, strings.Join(set.names(), ", "))
	}
	key := strings.ReplaceAll(typed, "-", "_")
	var params []string
	for _, m := range set.manifests() {
		for _, p := range m.Params {
			if p.Name == key {
				params = append(params, m.Name)
			}
		}
		for _, s := range m.Settings {
			if s.Key == key {
				return fmt.Sprintf("%s is a setting of %s, not a flag: give it as %s", key, m.Name, m.SettingWhere(s))
			}
		}
	}
	if len(params) == 0 {
		return ""
	}
	return fmt.Sprintf("%s is a param of %s, not a flag: give it as --param %s=VALUE (or in the inject file's params)",
		key, strings.Join(params, " and "), key)
}
