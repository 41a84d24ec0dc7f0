package openaev

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Message is a platform message (an ExecutableInject), as consumed from the
// injector's queue. Decoding is lenient: the platform adds fields freely.
type Message struct {
	Injection   Injection    `json:"injection"`
	Assets      []Asset      `json:"assets"`
	AssetGroups []AssetGroup `json:"assetGroups"`
}

// Injection is the inject part of a message.
type Injection struct {
	InjectID string `json:"inject_id"`
	Title    string `json:"inject_title,omitempty"`
	Contract struct {
		ID               string `json:"injector_contract_id"`
		ConvertedContent struct {
			ContractID string `json:"contract_id"`
		} `json:"convertedContent"`
	} `json:"inject_injector_contract"`
	// Content holds the contract's fields as the user filled them.
	Content map[string]json.RawMessage `json:"inject_content"`
}

// ContractID returns the inject's contract id: injector_contract_id, else
// convertedContent.contract_id.
func (in Injection) ContractID() string {
	if id := strings.TrimSpace(in.Contract.ID); id != "" {
		return id
	}
	return strings.TrimSpace(in.Contract.ConvertedContent.ContractID)
}

// Asset is one endpoint of a message or of an asset-group page. Both the
// current asset_* and the older endpoint_* spellings are read; asset_*
// wins when both are present.
type Asset struct {
	ID       string
	Name     string
	Hostname string
	IPs      []string
	SeenIP   string
	Agents   []string // agent ids, in order
}

// UnmarshalJSON reads asset_* or endpoint_* fields.
func (a *Asset) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	str := func(suffix string) (string, error) {
		for _, prefix := range []string{"asset_", "endpoint_"} {
			raw, ok := m[prefix+suffix]
			if !ok || isNull(raw) {
				continue
			}
			var s string
			if err := json.Unmarshal(raw, &s); err != nil {
				return "", fmt.Errorf("%s%s: not a string", prefix, suffix)
			}
			if s != "" {
				return s, nil
			}
		}
		return "", nil
	}
	var err error
	if a.ID, err = str("id"); err != nil {
		return err
	}
	if a.Name, err = str("name"); err != nil {
		return err
	}
	if a.Hostname, err = str("hostname"); err != nil {
		return err
	}
	if a.SeenIP, err = str("seen_ip"); err != nil {
		return err
	}
	for _, prefix := range []string{"asset_", "endpoint_"} {
		if raw, ok := m[prefix+"ips"]; ok && !isNull(raw) && a.IPs == nil {
			if err := json.Unmarshal(raw, &a.IPs); err != nil {
				return fmt.Errorf("%sips: not a list of strings", prefix)
			}
		}
		if raw, ok := m[prefix+"agents"]; ok && !isNull(raw) && a.Agents == nil {
			var agents []map[string]json.RawMessage
			if err := json.Unmarshal(raw, &agents); err != nil {
				return fmt.Errorf("%sagents: not a list of objects", prefix)
			}
			a.Agents = []string{}
			for _, ag := range agents {
				var id string
				if raw := ag["agent_id"]; raw != nil && !isNull(raw) {
					if err := json.Unmarshal(raw, &id); err != nil {
						return fmt.Errorf("%sagents[].agent_id: not a string", prefix)
					}
				}
				if id != "" {
					a.Agents = append(a.Agents, id)
				}
			}
		}
	}
	return nil
}

// agentless reports whether no agent runs on the asset.
func (a Asset) agentless() bool { return len(a.Agents) == 0 }

func (a Asset) firstAgent() string {
	if len(a.Agents) == 0 {
		return ""
	}
	return a.Agents[0]
}

// AssetGroup is one asset group of a message.
type AssetGroup struct {
	ID   string `json:"asset_group_id"`
	Name string `json:"asset_group_name"`
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// ParseMessage decodes a platform message. Malformed JSON, or a message
// without injection.inject_id, is a *MessageError (with InjectID empty when
// none could be read); so is a malformed asset.
func ParseMessage(body []byte) (*Message, error) {
	var m Message
	if err := json.Unmarshal(body, &m); err != nil {
		// The inject id may still be readable: the platform must then be
		// told the inject failed.
		id := injectIDOf(body)
		return nil, &MessageError{InjectID: id, Reason: "malformed message: " + err.Error(), Err: err}
	}
	m.Injection.InjectID = strings.TrimSpace(m.Injection.InjectID)
	if m.Injection.InjectID == "" {
		return nil, &MessageError{Reason: "injection.inject_id is missing"}
	}
	return &m, nil
}

// injectIDOf reads injection.inject_id alone from a message the full
// decoding rejected.
func injectIDOf(body []byte) string {
	var probe struct {
		Injection struct {
			InjectID string `json:"inject_id"`
		} `json:"injection"`
	}
	if json.Unmarshal(body, &probe) != nil {
		return ""
	}
	return strings.TrimSpace(probe.Injection.InjectID)
}

// contentString reads a content field that holds a string, or a list of
// one string (select fields). It returns "" for an absent or null field.
func (in Injection) contentString(key string) (string, error) {
	raw, ok := in.Content[key]
	if !ok || isNull(raw) {
		return "", nil
	}
	return scalarString(raw, "inject_content."+key)
}

// scalarString renders a JSON scalar (or a list of exactly one scalar) as a
// string.
func scalarString(raw json.RawMessage, field string) (string, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) > 0 && raw[0] == '[' {
		var list []json.RawMessage
		if err := json.Unmarshal(raw, &list); err != nil {
			return "", &ValidationError{Field: field, Value: string(raw), Reason: "malformed list"}
		}
		switch len(list) {
		case 0:
			return "", nil
		case 1:
			return scalarString(list[0], field)
		}
		return "", &ValidationError{Field: field, Value: string(raw), Reason: "want one value, got a list"}
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return "", &ValidationError{Field: field, Value: string(raw), Reason: "malformed value"}
	}
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", &ValidationError{Field: field, Value: string(raw), Reason: "want a string, a number or a boolean"}
}

// expectationTypes returns the expectation_type of each entry of
// inject_content.expectations, in order.
func (in Injection) expectationTypes() ([]string, error) {
	raw, ok := in.Content[KeyExpectations]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var list []struct {
		Type string `json:"expectation_type"`
	}
	if err := json.Unmarshal(raw, &list); err != nil {
		return nil, &ValidationError{Field: "inject_content.expectations", Value: string(raw), Reason: "not a list of expectations"}
	}
	out := make([]string, 0, len(list))
	for _, e := range list {
		out = append(out, e.Type)
	}
	return out, nil
}

// errNoTargets is the reason of an inject that resolves to no target.
var errNoTargets = errors.New("no targets")
