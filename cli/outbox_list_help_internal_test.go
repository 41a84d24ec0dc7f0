package cli

import (
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// `outbox list --help` names every field its -o json can print, with and
// without --summary, those left out when they do not apply included: an
// on-call engineer scripting against the output reads them there, and a
// field added or renamed without it fails here.
func TestListHelpNamesEveryJSONField(t *testing.T) {
	for _, v := range []any{outboxListJSON{}, outboxRecordJSON{}, outboxIncompleteJSON{}, outboxStartsJSON{},
		outboxStartedJSON{}, outboxSummaryJSON{}, backendSummary{}} {
		for name, from := range jsonNames(reflect.TypeOf(v)) {
			if !regexp.MustCompile(`(^|[\s(,:])` + regexp.QuoteMeta(name) + `($|[\s),.;:])`).MatchString(listDescription) {
				t.Errorf("outbox list --help does not name the JSON field %q (%s)", name, from)
			}
		}
	}
	cmd := outboxCommand(Options{})
	for _, sub := range cmd.Subcommands {
		if sub.Name == "list" && !strings.HasPrefix(sub.Description, listDescription) {
			t.Errorf("outbox list's description is not listDescription:\n%s", sub.Description)
		}
	}
}
