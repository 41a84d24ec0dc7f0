package openaev

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
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
	// Inactive lists the agents of Agents the message marks inactive
	// (agent_active false): the current platform creates no expectation
	// for them, so no signature names them (signingAgents).
	Inactive []string
}

// assetWire is an asset as the platform sends it, in both spellings. A
// typed struct, decoded straight from the message's bytes, costs no more
// than the strings it keeps: no map of raw fields per asset.
type assetWire struct {
	AssetID          string       `json:"asset_id"`
	EndpointID       string       `json:"endpoint_id"`
	AssetName        string       `json:"asset_name"`
	EndpointName     string       `json:"endpoint_name"`
	AssetHostname    string       `json:"asset_hostname"`
	EndpointHostname string       `json:"endpoint_hostname"`
	AssetSeenIP      string       `json:"asset_seen_ip"`
	EndpointSeenIP   string       `json:"endpoint_seen_ip"`
	AssetIPs         *[]string    `json:"asset_ips"`
	EndpointIPs      *[]string    `json:"endpoint_ips"`
	AssetAgents      *[]agentWire `json:"asset_agents"`
	EndpointAgents   *[]agentWire `json:"endpoint_agents"`
}

type agentWire struct {
	ID       string       `json:"agent_id"`
	Inactive inactiveMark `json:"agent_active"`
}

// inactiveMark is true for an agent_active of false, and false for any
// other value: the platform writes a boolean (AgentOutput's primitive
// agent_active), and a message that says nothing else of an agent's
// activeness is not refused for it.
type inactiveMark bool

// UnmarshalJSON reads agent_active.
func (m *inactiveMark) UnmarshalJSON(b []byte) error {
	*m = string(b) == "false"
	return nil
}

// UnmarshalJSON reads asset_* or endpoint_* fields; asset_* wins when
// both are present and the asset_* one is neither null nor, for a string,
// empty.
func (a *Asset) UnmarshalJSON(b []byte) error {
	var w assetWire
	if err := json.Unmarshal(b, &w); err != nil {
		return assetError(err)
	}
	*a = w.asset()
	return nil
}

// asset returns the asset w describes; it shares w's strings and lists.
func (w *assetWire) asset() Asset {
	first := func(v, fallback string) string {
		if v != "" {
			return v
		}
		return fallback
	}
	a := Asset{ID: first(w.AssetID, w.EndpointID), Name: first(w.AssetName, w.EndpointName),
		Hostname: first(w.AssetHostname, w.EndpointHostname), SeenIP: first(w.AssetSeenIP, w.EndpointSeenIP)}
	switch {
	case w.AssetIPs != nil:
		a.IPs = *w.AssetIPs
	case w.EndpointIPs != nil:
		a.IPs = *w.EndpointIPs
	}
	agents := w.AssetAgents
	if agents == nil {
		agents = w.EndpointAgents
	}
	if agents != nil {
		a.Agents = make([]string, 0, len(*agents))
		for _, ag := range *agents {
			if ag.ID != "" {
				a.Agents = append(a.Agents, ag.ID)
				if ag.Inactive {
					a.Inactive = append(a.Inactive, ag.ID)
				}
			}
		}
	}
	return a
}

// assetError names the asset field a decoding error is about.
func assetError(err error) error {
	var te *json.UnmarshalTypeError
	if !errors.As(err, &te) {
		return err
	}
	field := strings.TrimPrefix(te.Field, "assets.")
	switch {
	case strings.HasSuffix(field, "ips"):
		return fmt.Errorf("%s: not a list of strings", field)
	case strings.HasSuffix(field, "agents.agent_id"):
		return fmt.Errorf("%s[].agent_id: not a string", strings.TrimSuffix(field, ".agent_id"))
	case strings.HasSuffix(field, "agents"):
		return fmt.Errorf("%s: not a list of objects", field)
	case field == "":
		return fmt.Errorf("not an object: %w", err)
	}
	return fmt.Errorf("%s: not a string", field)
}

// fieldTypeError names the message field a value of the wrong JSON type
// was found in, and what it holds and should hold, in the project's words
// ("injection.inject_id: a number, want a string"), not encoding/json's
// Go ones, as assetError does for an asset's.
func fieldTypeError(te *json.UnmarshalTypeError) error {
	kind, _, _ := strings.Cut(te.Value, " ") // "number 1e400": its kind
	got := map[string]string{"number": "a number", "string": "a string", "bool": "true or false", "array": "a list",
		"object": "an object"}[kind]
	if got == "" {
		got = kind
	}
	var want string
	switch te.Type.Kind() {
	case reflect.String:
		want = "a string"
	case reflect.Slice, reflect.Array:
		want = "a list"
	case reflect.Map, reflect.Struct:
		want = "an object"
	case reflect.Bool:
		want = "true or false"
	default:
		want = "a number"
	}
	if te.Field == "" { // the message itself
		return fmt.Errorf("%s, want %s", got, want)
	}
	return fmt.Errorf("%s: %s, want %s", te.Field, got, want)
}

// agentless reports whether no agent runs on the asset.
func (a Asset) agentless() bool { return len(a.Agents) == 0 }

// signingAgents returns the agents of the asset a signature may name, each
// once, in order: its agents but those the message marks inactive. The
// current platform creates an agent's expectations only for the active
// ones (AbstractTechnicalBehavior
// .initializeAndSaveInjectExpectationsFromExecutableInject →
// AgentUtils.getActiveAgents), so a signature naming an inactive agent
// finds none and is lost; with no agent left, the signatures name the
// asset alone and reach its own expectation, which that platform creates
// for an asset with no active agent (ExpectationUtils
// .isAgentlessAssetExpectationNecessary) and keeps beside its agents'.
func (a Asset) signingAgents() []string {
	var out []string
	for _, id := range a.Agents {
		if !slices.Contains(a.Inactive, id) && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// AssetGroup is one asset group of a message.
type AssetGroup struct {
	ID   string `json:"asset_group_id"`
	Name string `json:"asset_group_name"`
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// messageWire is a Message as decoded: its assets in both spellings,
// turned into Assets once the whole message is read.
type messageWire struct {
	Injection   Injection    `json:"injection"`
	Assets      []assetWire  `json:"assets"`
	AssetGroups []AssetGroup `json:"assetGroups"`
}

// ParseMessage decodes a platform message. Malformed JSON, a message
// without injection.inject_id or with one no call can carry (longer than
// signatures.MaxIDLength bytes, not printable ASCII, holding a character
// the platform's HTTP firewall refuses in a path (pathRefusal): InjectID
// empty, nothing sent), one repeating a key in an object (equal
// but for case or exactly, which encoding/json would take as one key), or
// one holding a string that is not UTF-8 (which encoding/json would read
// with U+FFFD: ids and targets the platform never wrote), is
// a *MessageError (with InjectID empty when none could be read, or when the
// inject id itself is repeated or not UTF-8); so is a malformed asset.
//
// The message is decoded from body in place (no copy of it): fields the
// profile does not read are skipped without allocating, assets are
// counted first and decoded into a typed struct of the right size (no map
// of raw fields per asset, no slice grown one asset at a time), then
// converted once; decoding a message allocates about twice its size at
// most, within the 4 times its size, body included, that a message may
// hold (BenchmarkParseMessage records it).
func ParseMessage(body []byte) (*Message, error) {
	var w messageWire
	// Count the assets first (zero-sized elements cost nothing): the
	// decoder then fills a slice of the right size instead of growing one
	// element at a time, which would allocate several times its size.
	var count struct {
		Assets []struct{} `json:"assets"`
	}
	if json.Unmarshal(body, &count) == nil && len(count.Assets) > 0 {
		w.Assets = make([]assetWire, 0, len(count.Assets))
	}
	if err := json.Unmarshal(body, &w); err != nil {
		// The inject id may still be readable: the platform must then be
		// told the inject failed.
		id := injectIDOf(body)
		var te *json.UnmarshalTypeError
		var field string // the member of the wrong type, one an object deep
		switch {
		case !errors.As(err, &te):
		case strings.HasPrefix(te.Field, "assets."):
			err = assetError(err)
		default:
			err, field = fieldTypeError(te), te.Field
		}
		me := &MessageError{InjectID: id, Reason: "malformed message: " + jsonReason(body, err), Err: err}
		me.Offset, me.Placed = syntaxOffset(body, err)
		if field != "" {
			me.Offset, me.Placed = memberOffset(body, strings.Split(field, ".")...) // its value
		}
		return nil, me
	}
	m := &Message{Injection: w.Injection, AssetGroups: w.AssetGroups}
	m.Injection.InjectID = strings.TrimSpace(m.Injection.InjectID)
	// An inject id no call can carry is never named: nothing is sent or
	// stored for it, and errors quote it cut.
	var idErr error
	if m.Injection.InjectID != "" {
		idErr = validInjectID("injection.inject_id", m.Injection.InjectID)
	}
	named := m.Injection.InjectID
	if idErr != nil {
		named = ""
	}
	if err := scanError(body, named); err != nil {
		return nil, err
	}
	if m.Injection.InjectID == "" || idErr != nil {
		return nil, injectIDError(body, w.Injection.InjectID, idErr)
	}
	if w.Assets != nil {
		m.Assets = make([]Asset, len(w.Assets))
		for i := range w.Assets {
			m.Assets[i] = w.Assets[i].asset()
		}
	}
	return m, nil
}

// utf8BOM is the byte order mark some editors write first in a UTF-8 file.
var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// otherEncoding names the encoding of a body that another producer
// compressed or encoded, which the platform never publishes (2.4.0's
// RabbitmqService.publish: UTF-8 JSON, no message properties): its first
// bytes say which, and their reason replaces encoding/json's, which
// would name the first byte as a Latin-1 character ("invalid character
// 'ÿ'"); "" for any other body.
func otherEncoding(body []byte) string {
	switch {
	case bytes.HasPrefix(body, []byte{0x1F, 0x8B}):
		return "gzip-compressed data (1F 8B at byte 0): the platform publishes plain JSON, with no content encoding"
	case bytes.HasPrefix(body, []byte{0xFF, 0xFE}):
		return "UTF-16LE text (byte order mark FF FE): the platform publishes UTF-8"
	case bytes.HasPrefix(body, []byte{0xFE, 0xFF}):
		return "UTF-16BE text (byte order mark FE FF): the platform publishes UTF-8"
	}
	return ""
}

// jsonReason says why body could not be decoded (err); syntaxOffset
// says where a message that is not JSON breaks.
func jsonReason(body []byte, err error) string {
	var se *json.SyntaxError
	switch {
	case !errors.As(err, &se):
		return err.Error()
	case len(body) == 0:
		return "empty body"
	case len(bytes.TrimSpace(body)) == 0:
		return fmt.Sprintf("empty body (%d bytes of white space only)", len(body))
	case bytes.HasPrefix(body, utf8BOM):
		return "not valid JSON: a UTF-8 byte order mark (EF BB BF) at byte 0, which the platform never writes"
	case otherEncoding(body) != "":
		return "not valid JSON: " + otherEncoding(body)
	}
	return "not valid JSON: " + se.Error()
}

// syntaxOffset returns where body, which err says is not JSON, breaks:
// the byte at fault (encoding/json's offset is just past it), or the end
// of a message cut short; false for another error, and for a message
// starting with a byte order mark or in another encoding, which
// jsonReason places itself, or empty (nothing to place).
func syntaxOffset(body []byte, err error) (int64, bool) {
	var se *json.SyntaxError
	if !errors.As(err, &se) || bytes.HasPrefix(body, utf8BOM) || otherEncoding(body) != "" || len(bytes.TrimSpace(body)) == 0 {
		return 0, false
	}
	if se.Offset >= int64(len(body)) {
		return int64(len(body)), true
	}
	return max(se.Offset-1, 0), true
}

// errNoTargets is the reason of an inject that resolves to no target.
var errNoTargets = errors.New("no targets")
