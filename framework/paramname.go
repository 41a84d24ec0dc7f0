package framework

import (
	"fmt"
	"strings"
)

// paramNameRule says what a param name is, for the refusals.
const paramNameRule = "not a param name: want lowercase letters, digits and underscores"

// validParamName reports whether name is a param name: lowercase ASCII
// letters, digits and underscores, as --param, the inject file and the
// platform's form fields take it whole.
func validParamName(name string) bool {
	if name == "" {
		return false
	}
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// validEnvName reports whether name is an environment variable name as
// a setting's Env must be: upper-case ASCII letters, digits and
// underscores, not starting with a digit (a shell can set it).
func validEnvName(name string) bool {
	if name == "" || name[0] >= '0' && name[0] <= '9' {
		return false
	}
	for _, r := range name {
		if (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '_' {
			return false
		}
	}
	return true
}

// snake is a Go field name in snake case (NoTag: no_tag), the json name a
// refusal suggests.
func snake(s string) string {
	var b strings.Builder
	for i, r := range s {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// InjectorNameRule says what an injector name is, for the refusals.
const InjectorNameRule = "an injector name is lower-case ASCII letters, digits, '-' and '_', starting with a letter"

// ValidateInjectorName returns an error naming name when it is not an
// injector name (InjectorNameRule): the name is a command-line word
// (`injectkit run NAME`), so "-x", "Port Check" or "a/b" would print
// examples that fail.
func ValidateInjectorName(name string) error {
	ok := name != "" && name[0] >= 'a' && name[0] <= 'z'
	for _, r := range name {
		if (r < 'a' || r > 'z') && (r < '0' || r > '9') && r != '_' && r != '-' {
			ok = false
		}
	}
	if !ok {
		return fmt.Errorf("invalid injector name %q: %s", name, InjectorNameRule)
	}
	return nil
}
