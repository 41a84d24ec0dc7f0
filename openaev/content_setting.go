package openaev

import (
	"maps"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// program is the name of the program running p, in its refusals:
// Program, else "injectkit".
func (p *Processor) program() string {
	if p.Program == "" {
		return "injectkit"
	}
	return p.Program
}

// settingInContent refuses a message whose inject_content gives, not
// empty, a setting of the injector (its key in any case and with any
// separator, endpoint-url or endpointUrl for endpoint_url, as
// Manifest.Setting matches; a key that is a param's name is the param's):
// the host's choice (where cloudscan's
// requests are signed for, query's API key), never the inject's. It would
// otherwise be ignored as any key that is no param, and the inject would
// run with the host's value instead of the one the message meant. The
// value is never quoted: a setting may be secret. program names the host's
// program (Processor.Program).
func settingInContent(m framework.Manifest, in Injection, program string) error {
	for _, k := range slices.Sorted(maps.Keys(in.Content)) {
		if _, isParam := m.Param(k); isParam {
			continue
		}
		st, ok := m.Setting(k)
		if !ok {
			continue
		}
		if v, err := in.contentString(k); err == nil && v == "" {
			continue // an empty field gives nothing
		}
		return &ValidationError{Field: "inject_content." + k,
			Reason: "unknown parameter (known: " + strings.Join(m.ParamNames(), ", ") + "); " + st.Key + " is a setting of " +
				m.Name + ", which an inject cannot choose: give it on the " + program + " host as " + m.SettingWhere(st)}
	}
	return nil
}
