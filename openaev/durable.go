package openaev

import (
	"net/url"
	"strings"

	"go.uber.org/zap"

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

// Tenant returns the tenant of r, a terminal callback of this profile
// for a platform reached with one (serve's --tenant), as its path names
// it; ok is false for any other record. Only the injectkit serve with
// that tenant resends it (see Owns): a flush leaves it alone.
func Tenant(r outbox.Record) (tenant string, ok bool) {
	if r.Profile != ProfileName {
		return "", false
	}
	rest, found := strings.CutPrefix(r.URL, strings.TrimRight(r.BaseURL, "/")+"/api/tenants/")
	if !found {
		return "", false
	}
	escaped, tail, found := strings.Cut(rest, "/")
	if !found || "/"+tail != callbackPath(r.InjectID) {
		return "", false
	}
	tenant, err := url.PathUnescape(escaped)
	if err != nil || tenant == "" {
		return "", false
	}
	return tenant, true
}

// WarnPending logs one WARN when store holds a pending terminal callback
// of inject id that p's profile keeps, left by an earlier run of the
// inject (its "complete" failed after every attempt, say): this run
// does not send it, and what a flush will do with it changes once this
// run completes the inject. A stored "complete" is then superseded: a
// flush sends not a second "complete" but the signatures it carries, as
// a "data" callback, beside this run's, or drops it when it carries none
// (asked of supersededData, the flush's own test); until then, a flush
// sends it as it is. Stored "data" callbacks add that run's signatures.
// One lookup by inject id, cheap on an empty outbox; a store that cannot
// be read says nothing (the run goes on), a stored "complete" whose body
// cannot be read is named all the same.
func (p *Processor) WarnPending(store *outbox.Store, id string) {
	if store == nil {
		return
	}
	r, found, err := store.PendingOf(id, p.profile.Owns)
	if err != nil || !found {
		return
	}
	fields := []zap.Field{zap.String("inject_id", id), zap.Uint64("outbox_id", r.ID), zap.String("action", r.Phase),
		zap.Int("index", r.ChunkIndex)}
	if r.Phase == ActionComplete {
		if r, err = store.Get(r.ID); err != nil {
			p.profile.log.Warn("an earlier run of this inject left its complete pending in the outbox, but its content cannot be read: "+
				"outbox flush moves it to the dead list (corrupt), sending none of it", append(fields, zap.Error(err))...)
			return
		}
		if _, carries := supersededData(r.Body); !carries {
			p.profile.log.Warn("an earlier run of this inject left its complete pending in the outbox, carrying no signatures: "+
				"once this run completes the inject, outbox flush drops that complete (superseded); until then, a flush sends it",
				fields...)
			return
		}
		p.profile.log.Warn("an earlier run of this inject left its complete pending in the outbox: once this run completes "+
			"the inject, outbox flush sends not that complete but its signatures, as data (the platform then holds both runs' signatures); "+
			"until then, a flush sends that complete", fields...)
		return
	}
	p.profile.log.Warn("an earlier run of this inject left signatures pending in the outbox: outbox flush sends them as data, "+
		"beside this run's (the platform then holds both runs' signatures)", fields...)
}
