package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/injectkit/injectkit/framework"
)

// configFile is what a YAML config file sets: the settings by key and the
// injector settings by "<injector>.<key>". It is read as YAML nodes so that
// every scalar keeps the text the user wrote: `inject_id: 00123` stays
// "00123" (a YAML decoder would make it the number 83), `insecure: yes`
// stays "yes" and fails as not a boolean.
type configFile struct {
	values    map[string]raw
	injectors map[string]string
	// injectorsFrom names where each of injectors was written (file:line).
	injectorsFrom map[string]string
}

// readConfigFile reads the file at path, given where (" (--config)", " (env
// INJECTKIT_CONFIG)"; an interrupt through ctx stops the reading, see
// openInput). known holds the keys the command
// accepts, lists those of them that take a list, secret those of them
// whose values are secrets; ms declare the injector settings, under the injector's name
// (`query: {shodan_api_key: …}`) or dotted (`query.shodan_api_key: …`). Any
// other key is a usage error naming it and the file.
func readConfigFile(ctx context.Context, path, where string, known, lists, secret map[string]bool, ms []framework.Manifest) (configFile, error) {
	cf := configFile{values: map[string]raw{}, injectors: map[string]string{}, injectorsFrom: map[string]string{}}
	if strings.HasPrefix(path, "~") {
		// As a path setting's (see field.decode): no shell expanded it.
		return cf, usageErr("invalid config %q%s: %s", path, where, tildePath)
	}
	data, err := readInput(ctx, "config", where, path, maxConfigSize)
	if err != nil {
		return cf, err
	}
	if err := textError(path, data); err != nil {
		return cf, err
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil && !errors.Is(err, io.EOF) {
		return cf, yamlError(path, data, err)
	}
	// A second document would be read by nobody: refuse it, as the user
	// meant its settings to count.
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return cf, yamlError(path, data, err)
	case len(next.Content) > 0 && !isNull(deref(next.Content[0])): // a "---" ending the file is harmless
		return cf, usageErr("config file %s:%d: a second YAML document; write one mapping of keys, without ---",
			path, next.Content[0].Line)
	}
	if len(doc.Content) == 0 {
		return cf, nil // empty
	}
	root := deref(doc.Content[0])
	if isNull(root) {
		return cf, nil
	}
	if root.Kind != yaml.MappingNode {
		return cf, usageErr("config file %s:%d: want a mapping of keys (key: value), not %s", path, root.Line, rootKind(root))
	}
	if k := mergeKey(root); k != nil {
		return cf, usageErr("config file %s:%d: a YAML merge key (<<) is not read here: write each setting as a key of its own "+
			"(an anchor and alias may still give one value to two keys)", path, k.Line)
	}
	names, settings, secrets := map[string]bool{}, map[string]bool{}, map[string]bool{}
	params := map[string]string{} // NAME.PARAM: the param's name
	for _, m := range ms {
		names[m.Name] = true
		for _, s := range m.Settings {
			settings[m.Name+"."+s.Key] = true
			secrets[m.Name+"."+s.Key] = s.Secret
		}
		for _, p := range m.Params {
			params[m.Name+"."+p.Name] = p.Name
		}
	}
	isSecret := func(key string) bool { return secret[key] || secrets[key] }
	if err := secretShared(path, root, isSecret, func(key string) bool { return names[key] }); err != nil {
		return cf, err
	}
	// at names a key the way an editor finds it: the file and the key's line.
	at := func(key *yaml.Node) string { return fmt.Sprintf("config file %s:%d", path, key.Line) }
	var unknown []unknownKey
	seen := map[string]string{} // where each setting was first given (config file c.yaml:2)
	once := func(key, from string) error {
		if first, dup := seen[key]; dup {
			// Nested and dotted (query: {api_key: …} and query.api_key: …),
			// two lines apart: both named, as a top-level key's are.
			return usageErr("%s: key %s given twice (first on line %s)", from, key, first[strings.LastIndex(first, ":")+1:])
		}
		seen[key] = from
		return nil
	}
	lines := map[string]int{} // the line of each key of the mapping
	// The keys an unknown one may be a slip of: every command's, and each
	// injector's settings, dotted (sorted: closest's ties go to the first).
	topKeys := slices.Sorted(maps.Keys(known))
	for _, m := range ms {
		topKeys = append(topKeys, m.Name)
	}
	settingKeys := slices.Sorted(maps.Keys(settings))
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, written := root.Content[i].Value, root.Content[i+1]
		val := deref(written)
		// A key twice is refused whatever it holds: the YAML parser keeps
		// both, and which one was meant is not for injectkit to guess.
		if first, dup := lines[key]; dup {
			return cf, usageErr("%s: key %s given twice (first on line %d)%s", at(root.Content[i]), key, first, bothAdvice(key, known, ms))
		}
		lines[key] = root.Content[i].Line
		switch {
		case names[key] && val.Kind == yaml.MappingNode:
			// An injector's settings, even when its name is also a key
			// (query: a run's --query is a value or a list, never a
			// mapping).
			for j := 0; j+1 < len(val.Content); j += 2 {
				full := key + "." + val.Content[j].Value
				if !settings[full] {
					want := spelledSetting(ms, key, val.Content[j].Value)
					unknown = append(unknown, unknownKey{name: full, line: val.Content[j].Line, want: want, near: nearKey(full, want, settingKeys)})
					continue
				}
				if err := cf.injector(full, val.Content[j+1], at(val.Content[j]), once); err != nil {
					return cf, err
				}
			}
		case names[key] && !known[key] && isNull(val):
			// An injector's settings all left out (commented out under
			// its name): as any key with no value.
		case names[key] && !known[key]:
			// Its settings expected, not a value: the name is no unknown
			// key (the value is not shown: it may be a secret setting's).
			what := "a value"
			if val.Kind != yaml.ScalarNode {
				what = "a " + kindName(val)
			}
			return cf, usageErr("invalid %s (%s): want a mapping of the %s injector's settings (%s: {KEY: …}, or %s.KEY: …), not %s",
				key, at(root.Content[i]), key, key, key, what)
		case known[key]:
			if err := once(key, at(root.Content[i])); err != nil {
				return cf, err
			}
			r, ok, err := rawOf(key, written, at(root.Content[i]), lists[key])
			switch {
			case err != nil:
				return cf, err
			case r.seq && !lists[key]:
				// Refused as the file is read, not when its value is
				// used: a flag or variable setting the key does not make
				// the file valid.
				return cf, usageErr("invalid %s (%s): %s", key, at(root.Content[i]), oneValueList)
			case ok:
				cf.values[key] = r
			}
		case settings[key]:
			if err := cf.injector(key, written, at(root.Content[i]), once); err != nil {
				return cf, err
			}
		default:
			want := spelledKey(ms, known, key)
			k := unknownKey{name: key, line: root.Content[i].Line, want: want}
			if k.flat = flattened(key, val, func(s string) bool { return known[s] || settings[s] || names[s] }); k.flat == nil {
				k.near = nearKey(key, want, append(topKeys, settingKeys...))
			}
			unknown = append(unknown, k)
		}
	}
	if len(unknown) > 0 {
		line, what := unknownKeys(unknown)
		return cf, usageErr("config file %s:%d: %s%s%s", path, line, what, paramAdvice(unknown, params), settingAdvice(unknown, ms))
	}
	return cf, nil
}

// bothAdvice says, for a key that is both a setting and an injector's name
// (run's query, the query injector), how to give both: the injector's
// settings dotted ("query.shodan_api_key: …") beside the setting.
func bothAdvice(key string, known map[string]bool, ms []framework.Manifest) string {
	if !known[key] {
		return ""
	}
	for _, m := range ms {
		if m.Name != key || len(m.Settings) == 0 {
			continue
		}
		example := m.Settings[0]
		for _, st := range m.Settings {
			if st.Required {
				example = st
				break
			}
		}
		return fmt.Sprintf("; to give both the %s setting and the %s injector's settings, write these dotted: %s.%s: …",
			key, key, key, example.Key)
	}
	return ""
}

// injector keeps the text of one injector setting.
func (cf configFile) injector(key string, val *yaml.Node, from string, once func(key, from string) error) error {
	if err := once(key, from); err != nil {
		return err
	}
	r, ok, err := rawOf(key, val, from, false)
	switch {
	case err != nil:
		return err
	case !ok:
		return nil
	case r.seq:
		return usageErr("invalid %s (%s): %s", key, from, oneValueList)
	}
	cf.injectors[key], cf.injectorsFrom[key] = r.vals[0], from
	return nil
}

// rawOf returns the text of a scalar, or of each item of a sequence; false
// for a null (`key:` or `key: ~`), which sets nothing. n is the node as
// written: an error about a value reached through an alias (`key: *a`)
// names the alias's line, where the key uses it, not the anchor's. list
// says whether key takes a list, for the error that says what it wants (a
// sequence given to a key that does not is refused when it is decoded).
func rawOf(key string, n *yaml.Node, from string, list bool) (raw, bool, error) {
	line, aliased := n.Line, n.Kind == yaml.AliasNode
	n = deref(n)
	switch {
	case isNull(n) && n.Anchor != "" && n.Value == "":
		return raw{}, false, usageErr("invalid %s (%s): %s", key, from, bareAnchor)
	case isNull(n):
		return raw{}, false, nil
	case n.Kind == yaml.ScalarNode:
		at := from
		if aliased {
			at = atLine(from, line)
		}
		if err := plainTag(key, n, at); err != nil {
			return raw{}, false, err
		}
		return raw{vals: []string{n.Value}, from: from}, true, nil
	case n.Kind == yaml.SequenceNode:
		r := raw{vals: []string{}, seq: true, from: from}
		for _, item := range n.Content {
			at := atLine(from, item.Line)
			if aliased {
				at = atLine(from, line)
			}
			item = deref(item)
			switch {
			case isNull(item) && item.Anchor != "" && item.Value == "":
				return raw{}, false, usageErr("invalid %s (%s): %s", key, at, bareAnchor)
			case isNull(item):
				// A blank item: refused where a list's items may not be.
				r.vals = append(r.vals, "")
				r.itemFrom = append(r.itemFrom, at)
			case item.Kind == yaml.ScalarNode:
				if err := plainTag(key, item, at); err != nil {
					return raw{}, false, err
				}
				r.vals = append(r.vals, item.Value)
				r.itemFrom = append(r.itemFrom, at)
			case !list:
				return raw{}, false, usageErr("invalid %s (%s): %s", key, from, oneValueList)
			default:
				return raw{}, false, usageErr("invalid %s (%s): want a value or a list of values, not a nested %s",
					key, at, kindName(item))
			}
		}
		return r, true, nil
	}
	want := "want one value"
	if list {
		want = "want a value or a list of values"
	}
	return raw{}, false, usageErr("invalid %s (%s): %s, not a %s", key, atLine(from, line), want, kindName(n))
}

// oneValueList is why a list given to a key that takes one value is
// refused: the list is not quoted (its items joined would read as one
// value the user did not write).
const oneValueList = "want one value, not a list"

// bareAnchor is why a key whose value is an anchor alone (`token: &x7`)
// is refused: YAML reads a value starting with & as an anchor's name, and
// the key as given no value, which would leave it unset without a word.
// The anchor is not named: it is what the user meant as the value, a
// secret maybe.
const bareAnchor = "an anchor (a value starting with &) with no value: to give a value starting with &, quote it ('&…')"

// plainTag refuses a scalar tagged with a type whose value is not its
// text (!!binary holds base64, a local tag means what its reader makes
// of it): the text would be taken as written. Only one of YAML's own
// types is named: any other tag is text the user wrote (`token: !x7…`, a
// secret starting with !), never shown.
func plainTag(key string, n *yaml.Node, from string) error {
	switch n.ShortTag() {
	case "!!str", "!!int", "!!float", "!!bool", "!!null", "!!timestamp":
		return nil
	case "!!binary", "!!set", "!!omap", "!!pairs", "!!map", "!!seq", "!!merge", "!!value", "!!yaml":
		return usageErr("invalid %s (%s): YAML tag %s is not supported; write the value as plain text", key, from, n.ShortTag())
	}
	return usageErr("invalid %s (%s): a YAML tag (a value starting with !) is not supported; write the value as plain text, "+
		"quoted when it starts with ! ('!…')", key, from)
}

// atLine moves "config file c.yaml:2" (where a key is) to another line of
// the same file (where its value is).
func atLine(from string, line int) string {
	if i := strings.LastIndexByte(from, ':'); i >= 0 {
		return from[:i+1] + strconv.Itoa(line)
	}
	return from
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// rootKind names what a config file holds instead of a mapping.
func rootKind(n *yaml.Node) string {
	if n.Kind == yaml.ScalarNode {
		return "plain text"
	}
	return "a " + kindName(n)
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "mapping"
	case yaml.SequenceNode:
		return "list"
	}
	return fmt.Sprintf("YAML node of kind %d", n.Kind)
}
