package cloudscan

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/aws/aws-sdk-go-v2/config"

	"github.com/injectkit/injectkit/internal/filekind"
	"github.com/injectkit/injectkit/signatures"
)

// The SDK's loader of the shared files (config's setFromIniSections)
// fails on two more forms of a profile, its own or a source profile's
// down its chain, whenever it loads the profile, keys in the environment
// or not: every inject fails before any call. loaderRefusal names them,
// by section and line, never a value.

// credentialKinds are the keys of which a profile may give one at most
// (config's validateCredentialType), in the SDK's order.
var credentialKinds = []string{"source_profile", "credential_source", "credential_process", "web_identity_token_file"}

// oneCredentialKind begins the SDK's error for a profile giving more than
// one of credentialKinds; it has no type of its own.
const oneCredentialKind = "only one credential type may be specified per profile"

// loaderRefusal returns the reason to refuse profile, whose loading failed
// with err, when err is one of those: a source_profile,
// credential_source or web_identity_token_file without a role_arn
// (config.CredentialRequiresARNError), or more than one kind of
// credentials in one profile. ok is false for any other error.
func loaderRefusal(files []readFile, profile string, err error) (reason string, ok bool) {
	var arn config.CredentialRequiresARNError
	switch {
	case errors.As(err, &arn):
		where := givenIn(files, arn.Profile, func(keys map[string]int) string {
			if n := keys[arn.Type]; n > 0 {
				return fmt.Sprintf("gives %s (line %d) without role_arn", arn.Type, n)
			}
			return ""
		})
		if where == "" {
			where = fmt.Sprintf("[%s] gives %s without role_arn", signatures.Shorten(arn.Profile, signatures.MaxQuoted), arn.Type)
		}
		return fmt.Sprintf("%s %s, which the AWS SDK refuses (\"credential type %s requires role_arn\") whenever it loads the profile, "+
			"even when the environment gives keys: every inject would fail; add the role_arn %s is for, or remove %s",
			whose(profile, arn.Profile), where, arn.Type, arn.Type, arn.Type), true
	case strings.Contains(err.Error(), oneCredentialKind):
		section, where := "", ""
		for p, seen := profile, map[string]bool{}; p != "" && !seen[p] && where == ""; p = sourceProfileOf(files, p) {
			seen[p], section = true, p
			where = givenIn(files, p, func(keys map[string]int) string {
				var given []string
				for _, k := range credentialKinds {
					if n := keys[k]; n > 0 {
						given = append(given, fmt.Sprintf("%s (line %d)", k, n))
					}
				}
				if len(given) < 2 {
					return ""
				}
				return "gives more than one kind of credentials: " + strings.Join(given, ", ")
			})
		}
		if where == "" {
			section, where = profile, "or a source profile of its chain gives more than one of "+strings.Join(credentialKinds, ", ")
		}
		return fmt.Sprintf("%s %s, which the AWS SDK refuses (%q) whenever it loads the profile, even when the environment gives keys: "+
			"every inject would fail; keep one of them", whose(profile, section), where, oneCredentialKind), true
	}
	return "", false
}

// whose names the section of section as the profile's own ("its
// section") or its chain's.
func whose(profile, section string) string {
	if section == profile {
		return "its section"
	}
	return "the section of its source_profile chain"
}

// givenIn describes the sections of profile for which say, given the keys
// each gives (sectionKeys), says something: "[profile x]
// (/home/u/.aws/config:1) gives …", joined by "; "; "" when it says
// nothing of any.
func givenIn(files []readFile, profile string, say func(keys map[string]int) string) string {
	var out []string
	for _, f := range files {
		for _, h := range f.headers {
			if !profileSection(f, h, profile) {
				continue
			}
			if s := say(sectionKeys(f, h)); s != "" {
				out = append(out, fmt.Sprintf("[%s] (%s:%d) %s", signatures.Shorten(h.name, signatures.MaxQuoted), f.path, h.line, s))
			}
		}
	}
	return strings.Join(out, "; ")
}

// sourceProfileOf returns the source_profile profile gives (the last the
// SDK reads), "" for none.
func sourceProfileOf(files []readFile, profile string) string {
	source := ""
	for _, f := range files {
		lines := strings.Split(string(f.body), "\n")
		for _, h := range f.headers {
			if n := sectionKeys(f, h)["source_profile"]; n > 0 && profileSection(f, h, profile) {
				_, v, _ := splitProperty(strings.TrimRight(cutPropertyComment(lines[n-1]), " \t"))
				source = strings.TrimSpace(v)
			}
		}
	}
	return source
}

// checkWebIdentityFile refuses a loaded profile whose credentials, as
// the SDK resolves them (its own, else its source profile's at the end
// of its chain), are a web identity token read from a
// web_identity_token_file that names no file, or no regular file: the
// SDK reads it with each inject and fails every one before any call
// ("unable to read file at …", or waits on a FIFO). The reason names the
// path and the section and line giving it. A file there that cannot be
// read is left to the run.
func checkWebIdentityFile(files []readFile, cfg *config.SharedConfig, refuse func(reason string) error) error {
	c := cfg
	for c.Source != nil {
		c = c.Source
	}
	if c.Credentials.HasKeys() || c.CredentialSource != "" || c.WebIdentityTokenFile == "" {
		return nil
	}
	fi, err := os.Stat(c.WebIdentityTokenFile)
	what := ""
	switch {
	case errors.Is(err, fs.ErrNotExist):
		what = "no such file"
	case err == nil && !fi.Mode().IsRegular():
		what = filekind.NotRegular(fi.Mode())
	default:
		return nil
	}
	where := givenIn(files, c.Profile, func(keys map[string]int) string {
		if n := keys["web_identity_token_file"]; n > 0 {
			return fmt.Sprintf("line %d", n)
		}
		return ""
	})
	if where == "" {
		where = "[" + signatures.Shorten(c.Profile, signatures.MaxQuoted) + "]"
	}
	// givenIn says "[profile x] (file:1) line 3": put a comma before the line.
	where = strings.ReplaceAll(where, ") line ", "), line ")
	return refuse(fmt.Sprintf("its web_identity_token_file %q (%s): %s: the AWS SDK reads the web identity token from it for the "+
		"credentials with each inject, and would fail every inject before any call; give the file the token is written to",
		c.WebIdentityTokenFile, where, what))
}
