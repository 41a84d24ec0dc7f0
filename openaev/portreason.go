package openaev

import (
	"errors"
	"strconv"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// The reason a target written with a port is refused, as the platform's
// user reads it: the CLI's (signatures.ReasonTargetPort) names params,
// which an inject has none of; its form has the contract's fields.

// portsHint says where injector name, of manifest m, takes the ports a
// target written with one meant, in the platform's terms: the contract
// field (as the inject form labels it, and its inject_content key) of
// its ports param (framework.Manifest.PortsParam: nmap's ports), or that
// it takes none. "" when the manifest is not known: the generic reason.
func portsHint(name string, m *framework.Manifest) string {
	if m == nil {
		return ""
	}
	if p, ok := m.PortsParam(); ok {
		return "injector " + name + " takes the ports in its contract's " + strconv.Quote(paramLabel(p)) +
			" field (inject_content." + p.Name + ")"
	}
	return "injector " + name + " takes no ports"
}

// assetHostPort is what the platform does with an asset whose hostname
// holds a port: 2.4.0 stores it as entered, lower-cased
// (Endpoint.setHostname), EndpointInput checking none, and sends it so.
const assetHostPort = "the platform stores an asset's hostname as entered, port included, checking none: " +
	"give the asset its host name alone, or target its seen_ip or local_ip"

// portReason is reason, a target's, with hint (portsHint) in place of
// the generic advice when it is the refusal of a port; an asset's
// hostname (asset set) also says what the platform did with it.
func portReason(reason, hint string, asset bool) string {
	head, ok := strings.CutSuffix(reason, signatures.ReasonTargetPort)
	if !ok {
		return reason
	}
	why := "a target holds no port"
	if asset {
		why += "; " + assetHostPort
	}
	switch {
	case hint != "":
		why += "; " + hint
	case asset:
		why += "; the ports, for an injector that takes any, are one of its contract's fields"
	default:
		return reason
	}
	return head + why
}

// withPortsHint gives err, a manual target's refusal, hint (portReason).
func withPortsHint(err error, hint string) error {
	var ve *ValidationError
	if errors.As(err, &ve) {
		ve.Reason = portReason(ve.Reason, hint, false)
	}
	return err
}
