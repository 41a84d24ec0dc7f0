package framework

import (
	"errors"
	"strings"
	"unicode"

	"github.com/injectkit/injectkit/signatures"
)

// secretWords are the words whose presence in a param's name, letters and
// digits only and in lower case (API-Key, api_key and apikey alike), makes
// its value one that may be a secret.
var secretWords = []string{
	"apikey", "secret", "token", "password", "passwd", "passphrase",
	"credential", "session", "privatekey", "auth", "cookie",
}

// secretName reports a param name that looks like a secret's: its value
// is never quoted when it is refused.
func secretName(name string) bool {
	folded := strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			return unicode.ToLower(r)
		}
		return -1
	}, name)
	for _, w := range secretWords {
		if strings.Contains(folded, w) {
			return true
		}
	}
	return false
}

// withhold returns a param's refusal err (a *signatures.ValidationError
// on "params.<name>") as Manifest.WithholdParam returns it with the manifest ex
// gives; any other error as it is.
func withhold(ex Executor, err error) error {
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	name, ok := strings.CutPrefix(ve.Field, "params.")
	if !ok {
		return err
	}
	m, _, merr := manifestOf("", ex)
	if merr != nil { // a panicking Manifest the runtime reports of its own
		return (*Manifest)(nil).WithholdParam(name, err)
	}
	return m.WithholdParam(name, err)
}

// WithholdParam returns err, the refusal of the value given to the param
// name of m's injector, without the value when name is no param of m
// (an unknown param is named, never quoted, whatever its name: pwd, jwt
// and key are not on any list), or is one whose name is the key of one of
// m's settings (see Manifest.Setting) or looks like a secret's (api_key,
// secret, token, password, credential, session…, in any case and with any
// separator): its
// *signatures.ValidationError then says "(value withheld)" in place of
// the value (unless none was given: Value empty or JSON null), whatever
// its Reason says, in every path it takes (error, log, the platform's message). An unknown
// param naming a setting is told where the setting is given.
// m may be nil (no settings); any other error is returned as it is.
// ParseParam, DecodeParams and CheckParams withhold their refusals so,
// and the command line and the openaev profile a refusal of their own of
// a param (one given twice, a form field that is not text); an injector
// has no need of it.
func (m *Manifest) WithholdParam(name string, err error) error {
	var ve *signatures.ValidationError
	if !errors.As(err, &ve) {
		return err
	}
	var s Setting
	setting := false
	if m != nil {
		s, setting = m.Setting(name)
	}
	unknown := strings.HasPrefix(ve.Reason, ReasonUnknown)
	if !setting && !unknown && !secretName(name) {
		return err
	}
	cp := *ve
	if cp.Value != "" && cp.Value != "null" { // else no value was given: nothing to withhold
		cp.Value, cp.Withheld = "", true
	}
	if setting && unknown {
		cp.Reason += "; " + s.Key + " is a setting of " + m.Name + ": give it as " + m.SettingWhere(s)
	}
	return &cp // a wrapping's text could quote the value too: it goes with it
}
