package cloudscan

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
)

// A credential provider's error is made before any value is known to the
// redactor, so it is checked on its own. Of the SDK's providers, one
// quotes secret material: the credential_process provider quotes the
// process's whole output (access key id, secret key and session token
// included) when it cannot parse it ("parse failed of process output:
// %s"). The others say what failed without the values: the static keys
// of a shared file, web identity (the token file's path), SSO (its cached
// token file's field names and expiry) and assume-role (the STS answer,
// made safe as every call's).

// processParseFailure is how the credential_process provider's parse
// error begins, before the output it quotes.
const processParseFailure = "parse failed of process output:"

// safeCredentialError returns err as cloudscan may show it: the error of a
// credential_process whose output the SDK could not parse is reduced to
// why, without the output; any other is err. The original is not wrapped:
// its text is what must not travel.
func safeCredentialError(err error) error {
	if !strings.Contains(err.Error(), processParseFailure) {
		return err
	}
	prefix := "a credential_process the profile uses gave output the AWS SDK could not parse"
	if pe, ok := errors.AsType[*processError](err); ok {
		prefix = "the credential_process of " + pe.where + " gave output the AWS SDK could not parse"
	}
	var pe *processcreds.ProviderError
	if errors.As(err, &pe) && strings.HasPrefix(pe.Err.Error(), processParseFailure) {
		if why := processOutputFault(errors.Unwrap(pe.Err)); why != "" {
			return errors.New(prefix + ": " + why)
		}
	}
	return errors.New(prefix + " (the SDK's error is withheld: it quotes the output, credentials included)")
}

// processOutputFault says what is wrong with a credential_process's output
// from the JSON decoder's error, never quoting the output: where its JSON
// breaks, which field holds the wrong type, an Expiration that is not a
// time. It returns "" for another error.
func processOutputFault(err error) string {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	var tp *time.ParseError
	switch {
	case errors.As(err, &syntax):
		return fmt.Sprintf("not valid JSON at byte %d%s", syntax.Offset, syntaxKind(syntax.Error()))
	case errors.As(err, &typ):
		return fmt.Sprintf("its field %s holds a value of the wrong type (%s expected)", typ.Field, typ.Type)
	case errors.As(err, &tp):
		return "its Expiration is not an RFC 3339 time (e.g. 2026-01-02T15:04:05Z)"
	}
	return ""
}

// syntaxKind says what kind of JSON syntax error the decoder's message
// msg is, without the character it quotes, which may be a byte of a
// secret: ": an unexpected character after object key:value pair", ": the
// output ends before its JSON does", or "" for a message of another form.
func syntaxKind(msg string) string {
	const invalid = "invalid character '"
	if msg == "unexpected end of JSON input" {
		return ": the output ends before its JSON does"
	}
	rest, ok := strings.CutPrefix(msg, invalid)
	if !ok {
		return ""
	}
	// The character is quoted as 'c', '\'' or '\x01': its quote ends at
	// the first "' " (a space is never the character: the decoder skips it).
	if _, where, ok := strings.Cut(rest, "' "); ok {
		return ": an unexpected character " + where
	}
	return ": an unexpected character"
}
