package openaevtest

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf16"
)

// MaxStringLen is the longest JSON string value, in characters (UTF-16
// units, decoded), the platform reads from a request body: Jackson's
// StreamReadConstraints.DEFAULT_MAX_STRING_LEN (2.15.1 and later), which
// the platform never raises (no StreamReadConstraints in openaev-api).
// 2.4.0 is on Spring Boot 3.5.10 (Jackson 2.19), 1.18 on Spring Boot 3.3.7
// (Jackson 2.17): both refuse a longer string while the body is read,
// an HttpMessageNotReadableException answered 400 before any check of the
// inject.
const MaxStringLen = 20_000_000

// overlongString names the first string value of a decoded JSON body
// longer than MaxStringLen characters, or returns "".
func overlongString(v any, path string) string {
	switch v := v.(type) {
	case string:
		if len(v) <= MaxStringLen {
			return "" // a UTF-16 unit takes at least one byte
		}
		if n := utf16Len(v); n > MaxStringLen {
			return fmt.Sprintf("%s: string value length (%d) exceeds the maximum allowed (%d, from StreamReadConstraints.getMaxStringLength())",
				path, n, MaxStringLen)
		}
	case map[string]any:
		for k, e := range v {
			if reason := overlongString(e, path+"."+k); reason != "" {
				return reason
			}
		}
	case []any:
		for i, e := range v {
			if reason := overlongString(e, fmt.Sprintf("%s[%d]", path, i)); reason != "" {
				return reason
			}
		}
	}
	return ""
}

// utf16Len is the length of s in UTF-16 units, as Java counts it.
func utf16Len(s string) int {
	n := 0
	for _, r := range s {
		n += max(utf16.RuneLen(r), 1)
	}
	return n
}

// readStructured reads a callback's execution_output_structured as 2.4.0
// does (InjectorExecutionProcessingHandler.processContext:
// mapper.readValue(outputStructured, ObjectNode.class), the mapper of
// ObjectMapperHelper.openAEVJsonMapper, which leaves
// FAIL_ON_TRAILING_TOKENS off as Jackson 2.19 has it): the first JSON
// value, which must be an object, and nothing of what follows it, text or
// whitespace (ObjectMapper._readMapAndClose never reads past that value).
// A first value that is not an object, or not JSON, is false: the
// platform warns and skips the outputs. JSON null is nil and true:
// ObjectNode's deserializer gives null, and the platform skips the outputs
// without a warning, before it reads the contract.
func readStructured(s string) (map[string]any, bool) {
	var doc map[string]any
	if json.NewDecoder(strings.NewReader(s)).Decode(&doc) != nil {
		return nil, false
	}
	return doc, true
}
