// Package settingkey owns the renaming of an injector's refused setting
// from the name the injector calls itself (its Manifest's Name, the one
// its Configure writes in a *signatures.ValidationError's Field:
// "query.request_timeout") to the name its binary registered it under
// ("shodan.request_timeout"): the key the user sets, and the one the
// command line looks up to say where it was given. The runtime (a run's
// or an inject's Configure) and serve's start (checkSettings) rename
// through it, so that an injector never needs to know the name it is
// registered under.
package settingkey

import (
	"errors"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/hook"
	"github.com/injectkit/injectkit/signatures"
)

// Configured is Renamed for err, a refusal of the Configure of ex, the
// executor registered under name whose settings m (its manifest as
// registered, nil for none) declares: own is the name ex's Manifest gives
// (a panic of it leaves err as it is).
func Configured(err error, name string, ex framework.Executor, m *framework.Manifest) error {
	mf, ok := ex.(framework.Manifester)
	if err == nil || !ok {
		return err
	}
	own := ""
	if hook.Call(name, "Manifest", func() error { own = mf.Manifest().Name; return nil }) != nil {
		return err
	}
	var keys []string
	if m != nil {
		for _, s := range m.Settings {
			keys = append(keys, s.Key)
		}
	}
	return Renamed(err, own, name, keys)
}

// Renamed returns err with its *signatures.ValidationError's Field
// own.KEY named registered.KEY, and own.KEY in its Reason too for each
// of keys (the manifest's settings: a refusal naming another setting).
// err is returned as it is when own is registered or blank, or when it
// holds no such field. A wrapped refusal keeps the wrapping's words,
// the refusal's part of them said anew, and errors.Is and errors.As still
// reach everything err holds.
func Renamed(err error, own, registered string, keys []string) error {
	var ve *signatures.ValidationError
	if err == nil || own == "" || own == registered || !errors.As(err, &ve) || !strings.HasPrefix(ve.Field, own+".") {
		return err
	}
	c := *ve
	c.Field = registered + strings.TrimPrefix(ve.Field, own)
	for _, k := range keys {
		c.Reason = strings.ReplaceAll(c.Reason, own+"."+k, registered+"."+k)
	}
	if err == error(ve) {
		return &c
	}
	return &renamed{text: strings.Replace(err.Error(), ve.Error(), c.Error(), 1), ve: &c, err: err}
}

// renamed is a wrapped refusal renamed: its text, the refusal renamed
// (found first by errors.As) and the error it was made from.
type renamed struct {
	text string
	ve   *signatures.ValidationError
	err  error
}

func (r *renamed) Error() string   { return r.text }
func (r *renamed) Unwrap() []error { return []error{r.ve, r.err} }
