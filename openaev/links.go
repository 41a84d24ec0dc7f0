package openaev

// The injectors a contract is linked to, as the platform names them: the
// reads a Registrar makes of the contracts it registers (see clash.go).

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/signatures"
)

// linkedInjector is an injector a contract is linked to.
type linkedInjector struct{ ID, Name, Type string }

// contractLinks reads the injectors contract id is linked to, first
// linked first, as GET /api/injector_contracts/{id} names them; a
// contract the platform does not hold (a 404) has none. The contract
// names the first's type alone: the type of each other one, unless it is
// this injector, is its Injector's (see injector; one the platform no
// longer holds, a 404, is left out; one that fails is left out too, the
// links read returned with its error). Each read is sent once, not
// retried. Failures are an *APIError or ErrDryRun.
func (c *Client) contractLinks(ctx context.Context, id string) ([]linkedInjector, error) {
	reply, found, err := c.getOnce(ctx, "injector contract", "/injector_contracts/"+url.PathEscape(id))
	if !found {
		return nil, err
	}
	var doc struct {
		Injectors []string          `json:"injector_contract_injectors"`
		Names     map[string]string `json:"injector_contract_injector_names"`
		Type      *string           `json:"injector_contract_injector_type"`
	}
	if err := json.Unmarshal(reply, &doc); err != nil {
		return nil, fmt.Errorf("injector contract %s: %w", id, err)
	}
	if len(doc.Injectors) == 0 || doc.Type == nil {
		return nil, nil
	}
	links := []linkedInjector{{ID: doc.Injectors[0], Name: doc.Names[doc.Injectors[0]], Type: *doc.Type}}
	var unread error
	for _, other := range doc.Injectors[1:] {
		if other == c.cfg.InjectorID {
			links = append(links, linkedInjector{ID: other, Name: doc.Names[other], Type: c.cfg.InjectorType})
			continue
		}
		if why := injectorIDRefusal(other); why != "" {
			// No read can be made: the platform's firewall answers 400
			// before any route. Left out, as one it no longer holds is.
			c.log.Debug("an injector linked to a contract this injector registers is not read: its id "+why+
				", which the platform's HTTP firewall refuses in GET /api/injectors/{id} (400 before any route); its type "+
				"is unknown, and it is left out",
				zap.String("contract_id", id), zap.String("linked_injector_id", strconv.Quote(signatures.Shorten(other, 64))))
			continue
		}
		in, err := c.injector(ctx, other)
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			continue
		}
		if err != nil {
			// READ on INJECTOR, which a token may lack: the first's
			// type, from the open contract, still counts.
			if unread == nil {
				unread = err
			}
			continue
		}
		links = append(links, in)
	}
	return links, unread
}

// injector reads injector id, GET /api/injectors/{id}
// (InjectorApi.java:135-142, READ on INJECTOR), sent once; contractLinks
// sends none for an id the platform's firewall refuses
// (injectorIDRefusal).
func (c *Client) injector(ctx context.Context, id string) (linkedInjector, error) {
	reply, err := c.do(ctx, request{op: "injector", method: http.MethodGet, once: true,
		path: "/injectors/" + url.PathEscape(id)})
	if err != nil {
		return linkedInjector{}, err
	}
	var doc struct {
		Name string `json:"injector_name"`
		Type string `json:"injector_type"`
	}
	if err := json.Unmarshal(reply, &doc); err != nil {
		return linkedInjector{}, fmt.Errorf("injector %s: %w", id, err)
	}
	return linkedInjector{ID: id, Name: doc.Name, Type: doc.Type}, nil
}

// injectorIDRefusal says why the platform's HTTP firewall would refuse
// GET /api/injectors/{id} for injector id escaped into its path, "" when
// it routes it. The platform takes any non-blank id at registration
// (InjectorCreateInput: @NotBlank alone) and names it as given in a
// contract's injector_contract_injectors, so another binary's id may hold
// what 2.4.0's StrictHttpFirewall (Spring Security's default: see
// pathRefusal) answers 400 to before any route: '/', '\', ';' or '%'
// (escaped %2F, %5C, %3B, %25), NUL, CR or LF (%00, %0D, %0A, in its
// encoded list), U+2028 or U+2029 (in its decoded list), or a dot
// segment ("." or "..", which url.PathEscape leaves as they are). An
// empty one would read /api/injectors/, the list route.
func injectorIDRefusal(id string) string {
	switch {
	case id == "":
		return "is empty (the path would be the list route)"
	case id == "." || id == "..":
		return "is a dot segment"
	}
	if i := strings.IndexAny(id, "/\\;%\x00\r\n\u2028\u2029"); i >= 0 {
		r, _ := utf8.DecodeRuneInString(id[i:])
		return fmt.Sprintf("holds %q at byte %d", r, i)
	}
	return ""
}
