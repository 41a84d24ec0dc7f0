package openaev

import (
	"strings"

	"github.com/injectkit/injectkit/transport/outbox"
)

// ProfileName is the Profile of the outbox records this profile keeps:
// terminal callbacks, one record each, their path under the platform URL
// beside them.
const ProfileName = "openaev"

// stored is the outbox entry of a terminal callback of inject id.
func (p *Profile) stored(id string, body []byte) outbox.Bodies {
	base := p.client.platformURL()
	return outbox.One(outbox.Entry{InjectID: id, Phase: ActionComplete, TotalChunks: 1, BaseURL: base,
		Body: body, Profile: ProfileName, Path: strings.TrimPrefix(p.client.callbackURL(id), base),
		InjectorID: p.client.cfg.InjectorID})
}

// Owns reports whether r is a terminal callback this profile keeps for
// its platform (same URL and tenant) and its injector (same injector id;
// a record stored before ids were kept has none): what its resender
// sends. Another daemon's records are left untouched.
func (p *Profile) Owns(r outbox.Record) bool {
	return r.Profile == ProfileName && r.URL == p.client.callbackURL(r.InjectID) &&
		(r.InjectorID == "" || r.InjectorID == p.client.cfg.InjectorID)
}

// Untenanted reports whether r is a terminal callback of this profile for
// a platform reached without a tenant, as `injectkit run --profile openaev`
// keeps them: a Profile over a Client for r.BaseURL resends it.
func Untenanted(r outbox.Record) bool {
	return r.Profile == ProfileName && r.URL == strings.TrimRight(r.BaseURL, "/")+"/api"+callbackPath(r.InjectID)
}
