package frameworktest

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/drift"
	"github.com/injectkit/injectkit/signatures"
)

func (c *checker) checkManifest(t testing.TB) {
	t.Helper()
	if c.manifestErr != nil {
		t.Errorf("manifest: %v", c.manifestErr)
		return
	}
	if !c.hasManifest {
		t.Logf("no manifest: %T does not implement framework.Manifester%s", c.ex, pointerOnly(c.ex, "Manifest"))
		return
	}
	m := c.m
	if m.Name == "" {
		t.Error("the manifest has no name")
	} else if err := framework.ValidateInjectorName(m.Name); err != nil {
		t.Errorf("the manifest's name: %v", err)
	}
	if c.o.Name != "" && m.Name != c.o.Name {
		// The runtime names it as registered (framework.Registry.Manifest), and
		// renames its settings' keys in Configure's refusals.
		// The line says what the difference does and how to end it: a
		// typo in either name read as a choice (tester t155).
		t.Logf("the manifest names %q, the executor is registered as %q: checked under %q, as the runtime runs it: "+
			"the registered name is its name everywhere (the command line, its settings' keys, the OpenAEV contract id); "+
			"unless you rename it on purpose, give Manifest's Name and Register the same name",
			m.Name, c.o.Name, c.o.Name)
		m.Name = c.o.Name
	}
	if err := framework.ValidateManifest(m); err != nil {
		t.Errorf("the manifest: %v", err)
	}
	for _, p := range m.Params { // names: framework.ValidateManifest
		switch p.Type {
		case framework.ParamString, framework.ParamInt, framework.ParamBool, framework.ParamDuration:
		case framework.ParamEnum:
			if len(p.Enum) == 0 { // a default not among them: framework.ValidateManifest
				t.Errorf("enum param %s declares no values", p.Name)
			}
		default:
			t.Errorf("param %s has unknown type %q", p.Name, p.Type)
		}
	}
	checkDocs(t, m)
}

// checkDocs reports a param or a setting without a doc: the help of
// "injectors NAME" shows it alone, a name and a type, and a user is left
// guessing what it does (a duration's doc is DurationDoc alone, how to
// write one, not what it is for).
func checkDocs(t testing.TB, m framework.Manifest) {
	t.Helper()
	for _, p := range m.Params {
		doc := strings.TrimSpace(p.Doc)
		if p.Type == framework.ParamDuration { // ParamsSpec appends how to write one
			doc = strings.TrimSuffix(strings.TrimSuffix(doc, "("+framework.DurationDoc+")"), framework.DurationDoc)
		}
		if strings.TrimSpace(doc) == "" {
			t.Errorf("param %s has no doc: say what it does in its field's `doc:\"…\"` tag (injectors %s shows it as its help)", p.Name, m.Name)
		}
	}
	for _, s := range m.Settings {
		if strings.TrimSpace(s.Doc) == "" {
			t.Errorf("setting %s has no doc: say what it does in its Doc (injectors %s shows it as its help)", s.Key, m.Name)
		}
	}
}

func (c *checker) checkParams(t testing.TB) {
	t.Helper()
	pf, ok := c.ex.(framework.ParamsFactory)
	if !ok {
		if c.hasManifest && len(c.m.Params) > 0 {
			t.Logf("no ParamsFactory: the params reach Execute as a map")
		}
		return
	}
	// Until NewParams has given a struct, each failure is fatal and
	// refuses the live params too (liveParams).
	c.paramsRefused = true
	a, b := newParams(t, pf), newParams(t, pf)
	va := reflect.ValueOf(a)
	if va.Kind() != reflect.Pointer || va.Elem().Kind() != reflect.Struct {
		t.Fatalf("NewParams returned %T; it must return a pointer to a struct", a)
	}
	c.paramsRefused = false
	if va.Pointer() == reflect.ValueOf(b).Pointer() {
		t.Error("NewParams returned the same pointer twice; it must return a fresh value each call")
	}
	spec, err := framework.ParamsSpec(a)
	c.paramsRefused = c.checkDefaults(t, a, spec, err) // spec is nil on error: no required param known
	checkDurationDefaults(t, spec)
	if err != nil {
		c.paramsRefused = true
		t.Fatalf("NewParams: %v", err)
	}
	if c.hasManifest {
		compareParams(t, c.m.Params, a)
	}
}

// checkDefaults checks that the params the live inject gets validate:
// the defaults, with Options.Params over them when given, decoded as the
// runtime does (a required param must be in Options.Params: it has no
// default). It reports whether they are refused: reported here, or left
// to specErr (ParamsSpec's error, reported by checkParams) when that names
// the same param, as it does of an int default out of its tag's range.
func (c *checker) checkDefaults(t testing.TB, defaults any, spec []framework.Param, specErr error) (refused bool) {
	t.Helper()
	if len(c.o.Params) > 0 {
		_, err := framework.DecodeParams(c.ex, c.o.Params)
		if err != nil && !sameParam(specErr, err) {
			t.Errorf("the default params with Options.Params (%s) do not validate: %v%s", paramNames(c.o.Params), err, requiredHint(err))
		}
		return err != nil
	}
	var required []string
	for _, p := range spec {
		if p.Required {
			required = append(required, p.Name)
		}
	}
	if len(required) > 0 {
		t.Errorf("%s: give %s in Options.Params, with ConformanceWith: frameworktest.ConformanceWith(t, ex, "+
			"frameworktest.Options{Params: map[string]any{%q: …}})", requiredNoDefault(required), pronoun(required), required[0])
		return true
	}
	err := framework.CheckParams(c.ex, defaults)
	if err == nil { // the runtime decodes them too: a default out of its range
		_, err = framework.DecodeParams(c.ex, nil)
	}
	if err != nil && !sameParam(specErr, err) {
		t.Errorf("the default params do not validate: %v%s", err, defaultsHint(err))
	}
	return err != nil
}

// paramDefaultRefused is ParamsSpec's error refusing one param's default
// (out of its tag's range, say), which names the param.
type paramDefaultRefused interface{ ParamName() string }

// sameParam reports whether specErr, ParamsSpec's refusal of a default of
// the NewParams value, is about the param whose value refusal (a
// *signatures.ValidationError of "params.attempts") refuses: one default,
// reported once, by ParamsSpec, whose message says what to change.
func sameParam(specErr, refusal error) bool {
	var spec paramDefaultRefused
	var ve *signatures.ValidationError
	if !errors.As(specErr, &spec) || !errors.As(refusal, &ve) {
		return false
	}
	name, ok := strings.CutPrefix(ve.Field, "params.")
	return ok && name == spec.ParamName()
}

// requiredNoDefault says that the required params have no default, in
// the singular for one: "required params attempts have" read as a typo to
// a newcomer with one (tester t155).
func requiredNoDefault(required []string) string {
	if len(required) == 1 {
		return "required param " + required[0] + " has no default"
	}
	return "required params " + strings.Join(required, ", ") + " have no default"
}

// pronoun is "it" for one param, "them" for more.
func pronoun(params []string) string {
	if len(params) == 1 {
		return "it"
	}
	return "them"
}

// paramNames lists the names of params, sorted, never their values: a
// test's log would otherwise show a secret given there (an api_token).
func paramNames(params map[string]any) string {
	return strings.Join(slices.Sorted(maps.Keys(params)), ", ")
}

// defaultsHint tells what to change when the defaults NewParams sets are
// refused (no Options.Params given): a missing required param goes in
// Options.Params (requiredHint); any other refusal is of a default, which
// "the default params" alone did not say is NewParams's (tester t155).
func defaultsHint(err error) string {
	if h := requiredHint(err); h != "" {
		return h
	}
	return " (the defaults are the values NewParams sets: make this one valid there)"
}

// requiredHint tells where to give a missing required param, when err
// says one is missing.
func requiredHint(err error) string {
	var ve *signatures.ValidationError
	if errors.As(err, &ve) && strings.HasPrefix(ve.Reason, framework.ReasonRequired) {
		return " (a required param has no default: give it in Options.Params, with ConformanceWith)"
	}
	return ""
}

func newParams(t testing.TB, pf framework.ParamsFactory) (v any) {
	t.Helper()
	defer func() {
		if r := recover(); r != nil {
			t.Fatalf("NewParams panicked: %v", r)
		}
	}()
	v = pf.NewParams()
	if v == nil {
		t.Fatal("NewParams returned nil")
	}
	return v
}

// compareParams reports where the manifest's params and those ParamsSpec
// derives from the NewParams value differ (drift.Params, which
// every command refuses such an injector with), one failure each.
func compareParams(t testing.TB, manifest []framework.Param, params any) {
	t.Helper()
	err := drift.Params(manifest, params)
	if joined, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range joined.Unwrap() {
			t.Error(e)
		}
	} else if err != nil {
		t.Error(err)
	}
}

// checkDurationDefaults reports a duration default under a millisecond
// but not zero: written as a bare number in NewParams (Wait: 30), which Go
// reads as nanoseconds, where --param wait=30 and the inject file's
// "wait": 30 are seconds.
func checkDurationDefaults(t testing.TB, spec []framework.Param) {
	t.Helper()
	for _, p := range spec {
		if p.Type != framework.ParamDuration {
			continue
		}
		d, err := time.ParseDuration(p.Default)
		if err != nil || d <= 0 || d >= time.Millisecond {
			continue
		}
		t.Errorf("param %q: default %s: a bare number in a time.Duration is nanoseconds (%d is %s), "+
			"where --param %s=%d and an inject file's %d are seconds: write the default with its unit in NewParams (%d * time.Second)",
			p.Name, d, d.Nanoseconds(), d, p.Name, d.Nanoseconds(), d.Nanoseconds(), d.Nanoseconds())
	}
}
