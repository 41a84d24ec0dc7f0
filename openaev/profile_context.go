package openaev

import (
	"context"

	"github.com/injectkit/injectkit/signatures"
)

// The values a message's handling carries in its context from the
// translation to the profile's hooks: its targets, for Received's trace,
// and the expectation types its terminal callback sends.

// targetsKey carries the targets a message was translated into, for the
// trace of Received.
type targetsKey struct{}

func withTargets(ctx context.Context, t *Selection) context.Context {
	if t == nil {
		return ctx
	}
	return context.WithValue(ctx, targetsKey{}, t)
}

func targetsOf(ctx context.Context) *Selection {
	t, _ := ctx.Value(targetsKey{}).(*Selection)
	return t
}

// sigTypesKey carries the expectation types whose signature groups a
// message's terminal callback sends (withSignatureTypes).
type sigTypesKey struct{}

// withSignatureTypes marks ctx with the signature groups m's terminal
// callback sends: when m lists its expectations
// (inject_content.expectations), only those of the types it names that
// the collectors read (DETECTION, PREVENTION), none when it names none of
// them (only MANUAL, an empty list), as the platform's own injectors
// build them from that list (pyoaev's SignatureManager.build_payload).
// Without the list, or with one Translate refuses, ctx is left as it is:
// the groups follow the request's types, the manifest's by default.
func withSignatureTypes(ctx context.Context, m *Message) context.Context {
	named, err := m.Injection.expectationTypes()
	if err != nil || named == nil {
		return ctx
	}
	types := map[signatures.ExpectationType]bool{}
	for _, s := range named {
		if t, err := signatures.ParseExpectationType(s); err == nil && sentTypes[t] {
			types[t] = true
		}
	}
	return context.WithValue(ctx, sigTypesKey{}, types)
}

// signatureTypesOf returns the expectation types whose signature groups
// the terminal callback of ctx's inject sends: those withSignatureTypes
// marked, else sentTypes.
func signatureTypesOf(ctx context.Context) map[signatures.ExpectationType]bool {
	if t, ok := ctx.Value(sigTypesKey{}).(map[signatures.ExpectationType]bool); ok {
		return t
	}
	return sentTypes
}
