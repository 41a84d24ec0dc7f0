package findingrow

import "slices"

// RequiredFields returns the fields the platform's output processor of an
// Active Directory output type requires in each finding object (its
// validate: JsonNode.hasNonNull of each, in 2.4.0's
// UsernameOutputProcessor, ShareOutputProcessor, SidOutputProcessor and
// the others named in openaev's TestFindingRulesAgainstThePlatformsCode),
// and false for any other type. The profile leaves out a finding without
// them and the stand-in refuses one: a fact both read from here, so that
// the two cannot name different fields; what each does with it stays its
// own code.
func RequiredFields(outputType string) ([]string, bool) {
	fields, ok := requiredFields[outputType]
	return slices.Clone(fields), ok
}

// requiredFields maps the Active Directory output types to the fields
// their processors require.
var requiredFields = map[string][]string{
	"username": {"username"}, "admin_username": {"username"}, "asreproastable_account": {"username"},
	"kerberoastable_account": {"username"}, "share": {"share_name", "permissions"}, "sid": {"sid"},
	"vulnerability": {"name", "status"}, "computer": {"computer_name"}, "password_policy": {"key", "value"},
	"group": {"group_name"}, "delegation": {"account"}, "account_with_password_not_required": {"account"},
}
