package runtime

import (
	"strconv"
	"unicode/utf8"
)

// MaxLoggedMessage is the most of an executor's message (ErrorInfo.Message)
// a log line holds, in bytes: about what the platform's message keeps.
const MaxLoggedMessage = 8 << 10

// WithLogRedaction sets what the runtime's log lines remove from an
// executor's message before LoggedMessage cuts it: the secrets the
// caller's log writer redacts (a backend token, another injector's
// secret), which the writer could no longer find whole in a message cut
// across one (default: none; the executor's own Secret settings are
// redacted from its output anyway). What the executor returns (its
// message, findings, extras, reasons, partial results, a panic's message)
// is redacted of them too, as of its own Secret settings: the wire
// profiles send it and the outbox keeps it (see outputRedaction). A param the injector refuses whose
// value holds one of them is withheld too, with what is wrong with it
// (signatures.WithholdSecret): its parser may quote a piece of it. An
// inject id or a target holding one of them (redact changes it) is
// refused before anything runs, a *RequestError, the value
// withheld: the wire profiles and the outbox would carry it.
func WithLogRedaction(redact func(string) string) Option {
	return func(rt *Runtime) { rt.logRedact = redact }
}

// LoggedMessage returns msg as a log line holds it: redacted by redact
// (nil: not at all), then whole up to MaxLoggedMessage bytes, else its
// start, cut on a rune boundary (where the bytes are UTF-8), ended by
// how many bytes were cut
// ("… (31457280 bytes cut)"). Redacted before the cut, a secret across it
// shows none of its bytes.
func LoggedMessage(msg string, redact func(string) string) string {
	if redact != nil {
		msg = redact(msg)
	}
	if len(msg) <= MaxLoggedMessage {
		return msg
	}
	// Back to the start of a rune the cut splits, found within UTFMax-1
	// bytes: bytes that are not UTF-8 are cut where they stand.
	cut := MaxLoggedMessage
	for i := cut - 1; i >= cut-(utf8.UTFMax-1); i-- {
		if utf8.RuneStart(msg[i]) {
			if !utf8.FullRuneInString(msg[i:cut]) {
				cut = i
			}
			break
		}
	}
	return msg[:cut] + "… (" + strconv.Itoa(len(msg)-cut) + " bytes cut)"
}
