package runtime

import "context"

type rejectionNamesKey struct{}

// NamingRejections returns ctx marked so that Run and Reject hand the
// error of a refused request to name before anything reports it: the
// WARN line they log, the Rejection a Rejecter delivers and the error
// they return. An intake whose input names a field otherwise than the
// request does (a platform message's inject_content.ports, the request's
// params.ports) has the refusal name it one way everywhere. name returns
// its argument when it has nothing to rename, and keeps a
// *framework.RequestError one.
func NamingRejections(ctx context.Context, name func(error) error) context.Context {
	return context.WithValue(ctx, rejectionNamesKey{}, name)
}

// namedRejection is err as the intake of ctx names it (NamingRejections).
func namedRejection(ctx context.Context, err error) error {
	if name, ok := ctx.Value(rejectionNamesKey{}).(func(error) error); ok && err != nil {
		return name(err)
	}
	return err
}
