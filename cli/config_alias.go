package cli

import (
	"reflect"

	"go.yaml.in/yaml/v3"
)

// secretShared refuses a config file in which a setting that is not
// secret shares its value with a secret one through a YAML anchor and
// alias (`token: &a 's3cret'` then `timeout: *a`, or the other way
// round): an error about the setting quotes its value, and the value
// would be shown. The error names the setting, its line and the secret
// setting, never the value. secret reports whether a key (a setting, or
// "<injector>.<key>") is secret; injectors whether a key is an
// injector's name, whose mapping holds its settings.
func secretShared(path string, root *yaml.Node, secret, injectors func(key string) bool) error {
	type use struct {
		key  string
		line int
		node *yaml.Node // the value, aliases followed
	}
	var uses []use
	add := func(key string, line int, n *yaml.Node) {
		uses = append(uses, use{key, line, deref(n)})
		if v := deref(n); v.Kind == yaml.SequenceNode {
			for _, item := range v.Content {
				uses = append(uses, use{key, item.Line, deref(item)})
			}
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		if v := deref(val); injectors(key.Value) && v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				add(key.Value+"."+v.Content[j].Value, v.Content[j].Line, v.Content[j+1])
			}
			continue
		}
		add(key.Value, key.Line, val)
	}
	secretOf := map[*yaml.Node]string{}
	for _, u := range uses {
		if secret(u.key) && u.node.Kind == yaml.ScalarNode {
			if _, ok := secretOf[u.node]; !ok {
				secretOf[u.node] = u.key
			}
		}
	}
	if len(secretOf) == 0 {
		return nil
	}
	for _, u := range uses {
		if s, ok := secretOf[u.node]; ok && !secret(u.key) {
			return usageErr("invalid %s (config file %s:%d): its value is the value of %s, a secret setting, through a YAML "+
				"anchor and alias, and would be shown; give %s a value of its own", u.key, path, u.line, s, u.key)
		}
	}
	return nil
}

// secretKeysOf returns the config keys of config struct types marked
// secret.
func secretKeysOf(types ...reflect.Type) map[string]bool {
	out := map[string]bool{}
	for _, t := range types {
		for _, f := range fieldsOf(t) {
			if f.secret {
				out[f.key] = true
			}
		}
	}
	return out
}

// mergeKey returns the first YAML merge key (`<<: *base`) of root, a
// config file's mapping, or of the mapping of an injector's settings in
// it; nil when there is none. A merge key is no setting: the keys it
// merges are not read one by one (each checked, given twice, named by its
// line), so it is refused naming itself, where the unknown-key error would
// show it as a key that is no setting name.
func mergeKey(root *yaml.Node) *yaml.Node {
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].ShortTag() == "!!merge" {
			return root.Content[i]
		}
		if v := deref(root.Content[i+1]); v.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].ShortTag() == "!!merge" {
					return v.Content[j]
				}
			}
		}
	}
	return nil
}
