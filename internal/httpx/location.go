package httpx

import (
	"errors"
	"net/url"
	"strconv"
	"strings"
)

// badLocation opens net/http's error for a redirect whose Location does
// not parse: `failed to parse Location header "<Location>": <url.Parse's
// error>`. The client returns it, not the 3xx answer, before CheckRedirect
// is asked.
const badLocation = "failed to parse Location header "

// unparsedLocation returns err, an attempt's error, with net/http's error
// for a Location that does not parse (badLocation) replaced by
// UnparsableLocationError: that error quotes url.Parse's, which quotes a
// piece of the Location (an escape "%\"<", the text after a ':' taken for
// the port up to the first '/'), and a piece of a secret the server echoed
// there is a text no redaction of the whole secret finds.
func unparsedLocation(err error, red *Redactor) error {
	var ue *url.Error
	if !errors.As(err, &ue) || ue.Err == nil {
		return err
	}
	msg := ue.Err.Error()
	if !strings.HasPrefix(msg, badLocation) {
		return err
	}
	loc := ""
	if q, qerr := strconv.QuotedPrefix(msg[len(badLocation):]); qerr == nil {
		loc, _ = strconv.Unquote(q)
	}
	ue.Err = &UnparsableLocationError{Location: red.ServerText(StripCredentials(loc))}
	return err
}

// UnparsableLocationError is the error of an attempt answered with a
// redirect whose Location is not a URL: Location is as StripCredentials
// shows it ("(unparsable URL)", or with the parts that may hold a secret
// masked), secrets redacted; why it does not parse is not said, since
// url.Parse's reason quotes a piece of it.
type UnparsableLocationError struct{ Location string }

func (e *UnparsableLocationError) Error() string {
	return "the server redirected to a Location that is not a URL: " + strconv.Quote(e.Location)
}
