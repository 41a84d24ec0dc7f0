package openaev

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// AuthorizationError reports a platform request refused for
// authorization: a 401, a 403, or, on a platform older than 2.0.0, a 404
// on an inject the platform has just dispatched or received (it answers
// 404 when the token lacks the rights on an inject, as for one that does
// not exist; from 2.0.0 on it answers 403, and a 404 is an inject that
// does not exist any more: see PlatformVersion.DeniedNotFound). It is the
// token's failure, not the inject's: the same request succeeds once the
// token has the rights. So it is never a reason to run the inject again,
// and an outbox keeps such a body pending, not dead (Permanent reports
// false). The *APIError is in its chain.
type AuthorizationError struct {
	InjectID string
	Status   int
	Err      error
	// NoToken is set when the client has no token: the request went
	// without one, which is what the platform refused.
	NoToken bool
}

func (e *AuthorizationError) Error() string {
	if e.NoToken {
		return fmt.Sprintf("the platform refuses a request without a token (status %d): no token was given "+
			"(set INJECTKIT_TOKEN, the config file's token or --token): %v", e.Status, e.Err)
	}
	if e.Status == http.StatusUnauthorized {
		return fmt.Sprintf("the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN, "+
			"the config file's token or --token holds a current API token of this platform): %v", e.Err)
	}
	if tenant, ok := refusedTenant(e.Err); ok {
		return fmt.Sprintf("the platform refuses tenant %q to the token (status 403, TENANT_ACCESS_DENIED: its user is no member "+
			"of that tenant, or it does not exist): check the tenant setting (--tenant, INJECTKIT_TENANT or the config file's tenant): %v",
			tenant, e.Err)
	}
	return fmt.Sprintf("the platform refuses the token (status %d; check its owner's rights on the platform): %v", e.Status, e.Err)
}

// RefusalReason says, for serve's /healthz, that the platform refuses
// the tenant (403 TENANT_ACCESS_DENIED), not the token's rights; "" for
// any other refusal (see serve.RefusalReasoner).
func (e *AuthorizationError) RefusalReason() string {
	if e.Status != http.StatusForbidden {
		return ""
	}
	if tenant, ok := refusedTenant(e.Err); ok {
		return fmt.Sprintf("platform refuses tenant %q to the token: status 403 (tenant refused: TENANT_ACCESS_DENIED): "+
			"check the tenant setting", tenant)
	}
	return ""
}

// refusedTenant returns the tenant of a request err reports the platform
// refused for it (403 TENANT_ACCESS_DENIED on a tenant's path).
func refusedTenant(err error) (string, bool) {
	var ae *APIError
	if !errors.As(err, &ae) || ae.Status != http.StatusForbidden || !tenantDenied(ae.Body) {
		return "", false
	}
	_, rest, ok := strings.Cut(ae.Path, "/api/tenants/")
	if !ok {
		return "", false
	}
	seg, _, _ := strings.Cut(rest, "/")
	if t, err := url.PathUnescape(seg); err == nil {
		seg = t
	}
	return seg, seg != ""
}

// unknownToken says what a 401 of the platform means for the client's
// token (none given, or one the platform does not know), and what to check.
func (c *Client) unknownToken() string {
	if c.cfg.Token == "" {
		return "the platform refuses a request without a token (status 401): no token was given " +
			"(set INJECTKIT_TOKEN, the config file's token or --token)"
	}
	return "the platform refuses the token (status 401: it does not know it; check that INJECTKIT_TOKEN, the config " +
		"file's token or --token holds a current API token of this platform, not one revoked or of another platform)"
}

// Unwrap returns the *APIError.
func (e *AuthorizationError) Unwrap() error { return e.Err }

// Permanent reports false: the request succeeds once the token has the
// rights. An outbox therefore keeps the body pending for a resend.
func (e *AuthorizationError) Permanent() bool { return false }

// authorization returns err as an *AuthorizationError when it is an
// *APIError whose status is a refusal of the token: 401 or 403 always,
// 404 when known is true (the inject exists: the platform dispatched or
// received it, and answers 404 for access denied: see Profile.denial);
// tokenless, the client has none to send (AuthorizationError.NoToken).
// Other errors are returned unchanged.
func authorization(err error, injectID string, known, tokenless bool) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	switch {
	case ae.Status == http.StatusUnauthorized, ae.Status == http.StatusForbidden,
		ae.Status == http.StatusNotFound && known:
		return &AuthorizationError{InjectID: injectID, Status: ae.Status, Err: err, NoToken: tokenless}
	}
	return err
}

// contextMark is a key of a boolean mark the serve Handler sets on the
// context of a message.
type contextMark int

const (
	// markDispatched: the platform dispatched the message (consumed from
	// its queue): its inject existed, so a 404 on its reception is the
	// platform hiding it from the token, on a platform that answers 404
	// for access denied (before 2.0.0), or the inject deleted since.
	markDispatched contextMark = iota
	// markRedelivered: the broker delivered the message again.
	markRedelivered
	// markMessage: the request came from a platform message, whose params
	// are its inject_content's fields (see contentFields).
	markMessage
	// markResend: an outbox resends a stored body, and logs its delivery
	// itself ("outbox body delivered"): the profile does not.
	markResend
	// markClaimed: the caller of ProcessMessage holds the inject's run in
	// flight (the serve Handler's claim): the run registered is its own.
	markClaimed
	// markTriedBefore: a held result's delivery is tried again (see
	// Handler.unstored): the platform may have taken an earlier try whose
	// answer was lost, so each "complete" asks it first, as a resend does.
	markTriedBefore
)

func marked(ctx context.Context, m contextMark) bool {
	v, _ := ctx.Value(m).(bool)
	return v
}

// Dispatched returns ctx marked as the handling of a message the platform
// dispatched from its queue: on a platform that answers 404 for access
// denied (before 2.0.0: PlatformVersion.DeniedNotFound), a 404 on the
// reception of its inject is then an *AuthorizationError, not an inject
// that does not exist. From 2.0.0 on, access denied is a 403, and a 404
// is the inject deleted since it was dispatched: the message is refused
// like any inject the platform does not know. The serve Handler marks its
// messages.
func Dispatched(ctx context.Context) context.Context {
	return context.WithValue(ctx, markDispatched, true)
}

func dispatched(ctx context.Context) bool { return marked(ctx, markDispatched) }

// Redelivered returns ctx marked as the handling of a message the broker
// delivered again: another process may have run it too (it died, or lost
// its channel, before acknowledging), so the profile asks the platform
// once more before it sends the terminal callback. The serve Handler
// marks such messages.
func Redelivered(ctx context.Context) context.Context {
	return context.WithValue(ctx, markRedelivered, true)
}

func redelivered(ctx context.Context) bool { return marked(ctx, markRedelivered) }

// denial reports whether a 404 on inject id, which the platform
// dispatched or received (known), is a refusal of the token: on a platform
// that answers 404 for access denied (PlatformVersion.DeniedNotFound),
// whose version is read only then. Any other error is not asked about.
func (p *Profile) denial(ctx context.Context, err error, known bool) bool {
	var ae *APIError
	if !known || !errors.As(err, &ae) || ae.Status != http.StatusNotFound {
		return known
	}
	return p.client.Version(ctx).DeniedNotFound()
}

// recentSet remembers the last ids added, up to a bound: the injects this
// process received, whose terminal callback answered 404 is therefore a
// refusal of the token on a platform that answers 404 for access denied.
type recentSet struct {
	mu   sync.Mutex
	max  int
	ids  map[string]struct{}
	ring []string
	next int
}

// recentInjects bounds the injects a Profile remembers as received.
const recentInjects = 4096

func newRecentSet(max int) *recentSet {
	return &recentSet{max: max, ids: map[string]struct{}{}, ring: make([]string, 0, max)}
}

func (s *recentSet) add(id string) { s.addNew(id) }

// addNew adds id and reports whether it was not held already.
func (s *recentSet) addNew(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.ids[id]; ok {
		return false
	}
	if len(s.ring) < s.max {
		s.ring = append(s.ring, id)
	} else {
		delete(s.ids, s.ring[s.next])
		s.ring[s.next] = id
		s.next = (s.next + 1) % s.max
	}
	s.ids[id] = struct{}{}
	return true
}

func (s *recentSet) has(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.ids[id]
	return ok
}
