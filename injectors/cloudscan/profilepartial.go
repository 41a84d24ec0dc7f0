package cloudscan

import (
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// partialCredentials begins the SDK's error for a section holding an
// aws_access_key_id without an aws_secret_access_key, or the other way
// round (config's mergeSections), the raw section name after it
// ("profile audit" in a config file, "audit" in a credentials file). The
// SDK gives the error no type of its own; it fails on it whenever it
// loads that section as the profile or one of its source profiles, even
// when the environment's keys are the credentials it would take.
const partialCredentials = "partial credentials found for profile "

// The two keys of a profile's static credentials, as the SDK names them.
const (
	keyAccessKeyID     = "aws_access_key_id"
	keySecretAccessKey = "aws_secret_access_key"
)

// partialSection returns the reason to refuse a profile whose loading
// failed with err when err is the SDK's partial-credentials error: the
// section, by file and line, the key it gives and the one it lacks (never
// a value). ok is false for any other error.
func partialSection(files []readFile, err error) (reason string, ok bool) {
	msg := err.Error()
	i := strings.Index(msg, partialCredentials)
	if i < 0 {
		return "", false
	}
	section, _, _ := strings.Cut(msg[i+len(partialCredentials):], "\n")
	section = strings.TrimSpace(section)
	// The credentials file's section is merged last: its error is the
	// one the SDK keeps when both files hold the section.
	var where []string
	for _, kind := range []string{"credentials", "config"} {
		for _, f := range files {
			if f.kind != kind {
				continue
			}
			for _, h := range f.headers {
				if h.name == section {
					where = append(where, describePartial(f, h))
				}
			}
		}
		if len(where) > 0 {
			break
		}
	}
	shown := "[" + signatures.Shorten(section, signatures.MaxQuoted) + "]"
	if len(where) == 0 {
		where = []string{shown + " gives " + keyAccessKeyID + " without " + keySecretAccessKey + ", or the other way round"}
	}
	return fmt.Sprintf("%s, which the SDK refuses (%q) whenever it loads the profile, even when the environment gives keys: "+
		"every inject would fail; give both keys there, or neither", strings.Join(where, "; "),
		strings.TrimSpace(partialCredentials)), true
}

// describePartial says what section h of f gives of the two keys:
// "[audit] (/home/u/.aws/credentials:1) gives aws_access_key_id (line 2)
// without aws_secret_access_key", and the line that names the key lacking
// but has no "=", which the SDK ignores (" (line 3 names
// aws_secret_access_key but has no "=" …)"; never the line's value).
func describePartial(f readFile, h sectionHeader) string {
	head := fmt.Sprintf("[%s] (%s:%d)", signatures.Shorten(h.name, signatures.MaxQuoted), f.path, h.line)
	found, bare := sectionKeys(f, h), bareKeys(f, h)
	for _, k := range [][2]string{{keyAccessKeyID, keySecretAccessKey}, {keySecretAccessKey, keyAccessKeyID}} {
		given, lacking := k[0], k[1]
		if found[given] == 0 || found[lacking] > 0 {
			continue
		}
		reason := fmt.Sprintf("%s gives %s (line %d) without %s", head, given, found[given], lacking)
		if n := bare[lacking]; n > 0 {
			reason += fmt.Sprintf(" (line %d names %s but has no \"=\" before its value: the SDK ignores that line)", n, lacking)
		}
		return reason
	}
	return head + " gives " + keyAccessKeyID + " without " + keySecretAccessKey + ", or the other way round"
}

// sectionKeys returns the keys section h of f gives, each with the line
// (from 1) of its last value, as the SDK's reader of the file takes a
// property: a line holding a key, "=" (or ":") and a value, not indented
// nor a comment; the key lower-cased.
func sectionKeys(f readFile, h sectionHeader) map[string]int {
	found := map[string]int{}
	eachProperty(f, h, func(n int, property string) {
		if key, _, ok := splitProperty(property); ok {
			found[strings.ToLower(key)] = n
		}
	})
	return found
}

// bareKeys returns the lines of section h of f that would be properties
// but for their "=" (or ":"), which the SDK's reader ignores, by their
// first word lower-cased: the line (from 1) of the first of each.
func bareKeys(f readFile, h sectionHeader) map[string]int {
	bare := map[string]int{}
	eachProperty(f, h, func(n int, property string) {
		if _, _, ok := splitProperty(property); ok {
			return
		}
		if words := strings.Fields(property); len(words) > 0 && bare[strings.ToLower(words[0])] == 0 {
			bare[strings.ToLower(words[0])] = n
		}
	})
	return bare
}

// eachProperty calls visit with each line of section h of f that the
// SDK's reader reads as a property, if it holds one (neither indented nor
// a comment), with its line number (from 1), its comment cut.
func eachProperty(f readFile, h sectionHeader, visit func(n int, property string)) {
	lines := strings.Split(string(f.body), "\n")
	end := len(lines)
	for _, o := range f.headers {
		if o.line > h.line {
			end = o.line - 1
			break
		}
	}
	for n := h.line; n < end; n++ {
		line := lines[n]
		if line == "" || line[0] == ' ' || line[0] == '\t' || line[0] == '#' || line[0] == ';' {
			continue
		}
		visit(n+1, strings.TrimRight(cutPropertyComment(line), " \t"))
	}
}

// profileSection reports whether h is a section of f the SDK reads for
// profile: [profile name] in a config file ([default] or
// [profile default] for default), [name] in a credentials file.
func profileSection(f readFile, h sectionHeader, profile string) bool {
	if f.kind != "config" {
		return h.name == profile
	}
	return h.name == "profile "+profile || profile == "default" && h.name == "default"
}
