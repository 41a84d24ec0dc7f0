package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/injectkit/injectkit/signatures"
)

// assetGroup is one asset group of an -asset-groups file: its id and its
// endpoints, as POST /api/endpoints/targets answers them.
type assetGroup struct {
	id        string
	endpoints []map[string]any
}

// endpointKeys are the fields of an endpoint of POST /api/endpoints/targets
// (2.4.0 EndpointTargetOutput); agentKeys those of one of its agents
// (AgentOutput).
var (
	endpointKeys = []string{"asset_agents", "asset_id", "endpoint_hostname", "endpoint_ips", "endpoint_seen_ip"}
	agentKeys    = []string{"agent_active", "agent_deployment_mode", "agent_executed_by_user", "agent_executor",
		"agent_id", "agent_last_seen", "agent_privilege", "agent_version"}
)

// readAssetGroups reads an -asset-groups file: a JSON object mapping each
// asset group id to the list of its endpoints, in the file's order. An
// endpoint is an object of the fields the platform pages (asset_id,
// required; endpoint_hostname, endpoint_ips, endpoint_seen_ip,
// asset_agents, a list of objects each with an agent_id). A bad file is an
// error naming it, the line and the key or value.
func readAssetGroups(name string) ([]assetGroup, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("-asset-groups: %w", err)
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, fmt.Errorf("-asset-groups %s: empty file: give an object mapping asset group ids to their endpoints", name)
	}
	groups, off, err := parseAssetGroups(data)
	if err != nil {
		return nil, fmt.Errorf("-asset-groups %s:%d: %w", name, lineAt(data, off), err)
	}
	return groups, nil
}

// parseAssetGroups parses an -asset-groups file; an error comes with the
// offset it is at.
func parseAssetGroups(data []byte) ([]assetGroup, int64, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := delim(dec, '{', "give an object mapping asset group ids to their endpoints"); err != nil {
		return nil, jsonOffset(dec, err), err
	}
	var groups []assetGroup
	for dec.More() {
		at := valueStart(data, dec.InputOffset())
		tok, err := dec.Token()
		if err != nil {
			return nil, jsonOffset(dec, err), err
		}
		id, _ := tok.(string)
		if strings.TrimSpace(id) == "" {
			return nil, at, fmt.Errorf("asset group id %q: blank", id)
		}
		if slices.ContainsFunc(groups, func(g assetGroup) bool { return g.id == id }) {
			return nil, at, fmt.Errorf("asset group %q: given twice", id)
		}
		g := assetGroup{id: id, endpoints: []map[string]any{}}
		if err := delim(dec, '[', fmt.Sprintf("asset group %q: give a list of endpoints", id)); err != nil {
			return nil, jsonOffset(dec, err), err
		}
		for i := 0; dec.More(); i++ {
			at := valueStart(data, dec.InputOffset())
			var e map[string]any
			if err := dec.Decode(&e); err != nil {
				return nil, jsonOffset(dec, err), fmt.Errorf("asset group %q endpoint %d: %w", id, i, err)
			}
			if err := checkEndpoint(e); err != nil {
				return nil, at, fmt.Errorf("asset group %q endpoint %d: %w", id, i, err)
			}
			g.endpoints = append(g.endpoints, e)
		}
		if _, err := dec.Token(); err != nil {
			return nil, jsonOffset(dec, err), err
		}
		groups = append(groups, g)
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonOffset(dec, err), err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, dec.InputOffset(), errors.New("more than one JSON value")
	}
	return groups, 0, nil
}

// checkEndpoint checks an endpoint's keys and the types of its values.
func checkEndpoint(e map[string]any) error {
	if e == nil {
		return errors.New("null: give an object")
	}
	if err := knownKeys(e, endpointKeys, "key"); err != nil {
		return err
	}
	if id, _ := e["asset_id"].(string); strings.TrimSpace(id) == "" {
		return fmt.Errorf("asset_id %s: give a non-blank string", shown(e["asset_id"]))
	}
	for _, k := range []string{"endpoint_hostname", "endpoint_seen_ip"} {
		if v, ok := e[k]; ok && v != nil {
			if _, isString := v.(string); !isString {
				return fmt.Errorf("%s %s: give a string", k, shown(v))
			}
		}
	}
	if v, ok := e["endpoint_ips"]; ok && v != nil {
		ips, isList := v.([]any)
		for _, ip := range ips {
			if _, isString := ip.(string); !isString {
				isList = false
			}
		}
		if !isList {
			return fmt.Errorf("endpoint_ips %s: give a list of strings", shown(v))
		}
	}
	if v, ok := e["asset_agents"]; ok && v != nil {
		agents, isList := v.([]any)
		if !isList {
			return fmt.Errorf("asset_agents %s: give a list of agents", shown(v))
		}
		for j, a := range agents {
			agent, isObject := a.(map[string]any)
			if !isObject {
				return fmt.Errorf("asset_agents[%d] %s: give an object", j, shown(a))
			}
			if err := knownKeys(agent, agentKeys, fmt.Sprintf("asset_agents[%d] key", j)); err != nil {
				return err
			}
			if id, _ := agent["agent_id"].(string); strings.TrimSpace(id) == "" {
				return fmt.Errorf("asset_agents[%d].agent_id %s: give a non-blank string", j, shown(agent["agent_id"]))
			}
		}
	}
	return nil
}

// knownKeys refuses a key of m not in known, naming it as what.
func knownKeys(m map[string]any, known []string, what string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !slices.Contains(known, k) {
			return fmt.Errorf("unknown %s %q (known: %s)", what, k, strings.Join(known, ", "))
		}
	}
	return nil
}

// delim reads the delimiter want, else says the value is not what.
func delim(dec *json.Decoder, want json.Delim, what string) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("%s, not %s", what, shown(tok))
	}
	return nil
}

// jsonOffset is the offset of a decoding error: a syntax error's own,
// else where the decoder stands.
func jsonOffset(dec *json.Decoder, err error) int64 {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return se.Offset
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return te.Offset
	}
	return dec.InputOffset()
}

// valueStart is the offset of the next value from off: past white space
// and the separators ',' and ':'.
func valueStart(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n,:", data[off]) >= 0 {
		off++
	}
	return off
}

// shown is a JSON value or token as an error names it: JSON, "missing"
// for none.
func shown(v any) string {
	switch v := v.(type) {
	case nil:
		return "missing"
	case json.Delim:
		return string(v)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return signatures.Shorten(string(b), 200)
}

// lineAt is the 1-based line of offset off of data.
func lineAt(data []byte, off int64) int {
	off = min(max(off, 0), int64(len(data)))
	return bytes.Count(data[:off], []byte("\n")) + 1
}
