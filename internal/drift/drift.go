// Package drift owns the check that an injector's manifest declares the
// params its NewParams struct holds, with the same types, defaults, enums,
// ranges and required flags: Params. A manifest that drifted from its
// struct (written by hand, or derived from another struct) shows a form
// and a listing of params the run does not take. The command line
// refuses such an injector before anything runs (its manifest check), and
// frameworktest.Conformance reports each drift to the injector's author.
package drift

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/injectkit/injectkit/framework"
)

// paramsFix ends each error Params gives: how the injector's author
// makes the manifest's params agree with its NewParams struct.
const paramsFix = " (derive Manifest.Params with framework.MustParamsSpec(x.NewParams()))"

// Params reports where the params a manifest declares differ from
// those ParamsSpec derives from params, a NewParams value: a param only
// one of them has, or one whose type, default, enum, int range or
// required flag differs. Such a manifest, written by hand or derived from
// another struct, describes params the run does not take: the contract's
// form and `injectors` show a default (80) the run does not use (8080),
// offer a param the run refuses, or hide one it takes. One error each,
// naming the param and both values and saying how the injector's author
// makes them agree, joined (errors.Join); nil when they agree. A params
// value ParamsSpec refuses gives its error alone (wrapping
// ErrParamsSpec).
//
// Values are compared as the run and the platform read them: a duration
// default "1m" is "1m0s", a range's end "05" is 5, a bool default "" is
// false (the contract's checkbox unchecked, as NewParams' false), an
// enum's values in another order are the same values. A param the
// manifest declares without a name or twice is ValidateManifest's to
// report, and skipped here. Every command refuses an injector whose
// manifest Params finds fault with, before anything runs (the cli's
// manifest check); frameworktest.Conformance reports each error.
func Params(manifest []framework.Param, params any) error {
	spec, err := framework.ParamsSpec(params)
	if err != nil {
		return err
	}
	derived := map[string]framework.Param{}
	for _, p := range spec {
		derived[p.Name] = p
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(format+paramsFix, args...))
	}
	declared := map[string]bool{}
	for _, m := range manifest {
		if m.Name == "" || declared[m.Name] {
			continue
		}
		declared[m.Name] = true
		s, ok := derived[m.Name]
		switch {
		case !ok:
			bad("manifest param %q is not a field of %T", m.Name, params)
			continue
		case m.Type != s.Type:
			// The rest would follow from the type: its default, its enum.
			bad("param %q: the manifest says %s, %T holds %s", m.Name, m.Type, params, withArticle(s.Type))
			continue
		}
		if !sameDefault(m, s) {
			bad("param %q: the manifest's default is %q, NewParams gives %q", m.Name, m.Default, s.Default)
		}
		if m.Type == framework.ParamEnum && !sameValues(m.Enum, s.Enum) {
			bad("param %q: the manifest's enum is %v, the field's %v", m.Name, m.Enum, s.Enum)
		}
		if !sameEnd(m.Min, s.Min) || !sameEnd(m.Max, s.Max) {
			bad("param %q: the manifest's range is %s, the field's %s", m.Name, rangeText(m), rangeText(s))
		}
		if m.Required != s.Required {
			bad("param %q: required is %v in the manifest, %v on the field", m.Name, m.Required, s.Required)
		}
	}
	for _, s := range spec {
		if !declared[s.Name] {
			bad("field %q of %T is missing from the manifest", s.Name, params)
		}
	}
	return errors.Join(errs...)
}

// sameDefault compares two defaults of one type as the run reads them.
func sameDefault(m, s framework.Param) bool {
	if m.Default == s.Default {
		return true
	}
	switch m.Type {
	case framework.ParamDuration:
		a, errA := framework.ParseDuration(m.Default)
		b, errB := framework.ParseDuration(s.Default)
		return errA == nil && errB == nil && a == b
	case framework.ParamBool:
		return (m.Default == "" || m.Default == "false") && (s.Default == "" || s.Default == "false")
	}
	return false
}

// sameValues reports whether a and b hold the same values, in any order.
func sameValues(a, b []string) bool {
	return slices.Equal(slices.Compact(slices.Sorted(slices.Values(a))), slices.Compact(slices.Sorted(slices.Values(b))))
}

// sameEnd compares two decimal numbers (a range's ends, int defaults) as
// numbers: "05" is "5". A number and "" (no end) differ: `injectors` and
// --param would go by one, an inject file by the other.
func sameEnd(a, b string) bool {
	x, okA := new(big.Int).SetString(a, 10)
	y, okB := new(big.Int).SetString(b, 10)
	if okA && okB {
		return x.Cmp(y) == 0
	}
	return a == b
}

// rangeText says a param's range as `injectors` shows it ("from 0 to
// 255"), "none" when it has none.
func rangeText(p framework.Param) string {
	if p.Min == "" && p.Max == "" {
		return "none"
	}
	end := func(v string) string {
		if v == "" {
			return "(none)"
		}
		return v
	}
	return "from " + end(p.Min) + " to " + end(p.Max)
}

// withArticle is word after "a" or "an": "an int", "a duration".
func withArticle(word string) string {
	if word != "" && strings.ContainsRune("aeiou", rune(word[0])) {
		return "an " + word
	}
	return "a " + word
}
