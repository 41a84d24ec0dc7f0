package openaevtest

import (
	"bytes"
	"encoding/json"
)

// How the platform reads a JSON body into its route's input (rules 3 and
// 16): Spring's MappingJackson2HttpMessageConverter over the platform's
// ObjectMapper (2.4.0: ObjectMapperHelper.java:37-45, a plain
// ObjectMapper, and MvcConfig.java:38-50, FAIL_ON_UNKNOWN_PROPERTIES off),
// otherwise Jackson 2.19's defaults.

// bodyRead is what the platform reads of a JSON body.
type bodyRead struct {
	// value is the bytes of the first JSON value, all Jackson reads: no
	// FAIL_ON_TRAILING_TOKENS, so what follows it ({…} garbage, {…}{…})
	// is never looked at. The whole body when it holds no value Go reads.
	value []byte
	// body is that value decoded, when it is an object.
	body map[string]any
}

// readBody reads body b as the platform does.
func readBody(b []byte) bodyRead {
	dec := json.NewDecoder(bytes.NewReader(b))
	var v json.RawMessage
	if dec.Decode(&v) != nil {
		return bodyRead{value: b}
	}
	r := bodyRead{value: b[:dec.InputOffset()]}
	_ = json.Unmarshal(v, &r.body)
	return r
}
