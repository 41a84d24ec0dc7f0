package runtime

import (
	"strconv"
	"unicode/utf8"
)

// MaxLoggedMessage is the most of an executor's message (ErrorInfo.Message)
// a log line holds, in bytes: about what the platform's message keeps.
const MaxLoggedMessage = 8 << 10

// LoggedMessage returns msg as a log line holds it: whole up to
// MaxLoggedMessage bytes, else its start, cut on a rune boundary, ended
// by how many bytes were cut ("… (31457280 bytes cut)").
func LoggedMessage(msg string) string {
	if len(msg) <= MaxLoggedMessage {
		return msg
	}
	cut := MaxLoggedMessage
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "… (" + strconv.Itoa(len(msg)-cut) + " bytes cut)"
}
