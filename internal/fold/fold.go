// Package fold owns the one rule by which a name the user spelled (a
// config key, an inject's content key, a param, an injector's name)
// matches the one declared, whatever its spelling: Name. Package
// framework matches a manifest's settings by it (Manifest.Setting), and
// the command line a config file's keys.
package fold

import (
	"strings"
	"unicode"
)

// Name folds a setting's name for comparison: lower case, without
// the separators '-', '_', '.' and space, so that a name in any spelling
// (kebab, snake, dotted, camelCase, spaced) folds to the same. It is the
// one rule by which a host matches a name the user spelled otherwise (a
// config key, an injector's name) to the one declared.
func Name(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '-', '_', '.', ' ':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}
