package openaev

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
)

// The contracts the platform holds for the injector id, read before a
// registration that would delete some. OpenAEV 2.4.0 takes a
// registration of an injector id it holds already as an update: each
// contract it held for that id that the registration leaves out is
// deleted (InjectorService.updateExistingExternalInjector: toDeletes,
// deleteAllById), and with it every inject built on it (injects reference
// their contract ON DELETE CASCADE), whichever deployment registered it.
// The registration goes ahead (it is the deployment's to choose its
// injectors); each registration until one succeeds is preceded by a read
// of those contracts, and one WARN names the ones it will delete (see
// Registrar).

// HeldContract is a contract the platform holds for the client's
// injector id: its contract_id and English label, as its content says.
type HeldContract struct {
	ID    string
	Label string
}

// heldContracts reads the contracts the platform holds for the client's
// injector id: GET /api/injectors/{injector_id}/injector_contracts
// (2.4.0: InjectorApi.java:91-111, READ on INJECTOR, which the right to
// register implies: a role's capabilities are saved with their parents,
// Capability.resolveWithParents, and ACCESS_TENANT_SETTINGS, READ on
// INJECTOR, is MANAGE_TENANT_SETTINGS's, CREATE on INJECTOR), the content
// of each, sent once, not retried. An
// injector id the platform does not hold (a 404) holds none. Failures
// are an *APIError or ErrDryRun.
func (c *Client) heldContracts(ctx context.Context) ([]HeldContract, error) {
	reply, found, err := c.getOnce(ctx, "injector contracts",
		"/injectors/"+url.PathEscape(c.cfg.InjectorID)+"/injector_contracts")
	if !found {
		return nil, err
	}
	var contents []struct {
		ID    string            `json:"contract_id"`
		Label map[string]string `json:"label"`
	}
	if err := json.Unmarshal(reply, &contents); err != nil {
		return nil, fmt.Errorf("injector contracts: %w", err)
	}
	held := make([]HeldContract, 0, len(contents))
	for _, ct := range contents {
		if id := strings.TrimSpace(ct.ID); id != "" {
			held = append(held, HeldContract{ID: id, Label: ct.Label["en"]})
		}
	}
	return held, nil
}

// droppedContracts returns the contracts of held that a registration of manifests
// leaves out: those the platform deletes, with their injects, as it takes
// that registration.
func droppedContracts(held []HeldContract, manifests []framework.Manifest) []HeldContract {
	var out []HeldContract
	for _, h := range held {
		if !slices.ContainsFunc(manifests, func(m framework.Manifest) bool { return SameContract(h.ID, ContractID(m.Name)) }) {
			out = append(out, h)
		}
	}
	return out
}

// leftOutNames reads the contracts the platform holds for the injector
// id and returns those a registration of manifests leaves out (deletes),
// each as its id and label; the error is heldContracts'.
func (c *Client) leftOutNames(ctx context.Context, manifests []framework.Manifest) ([]string, error) {
	held, err := c.heldContracts(ctx)
	if err != nil {
		return nil, err
	}
	left := droppedContracts(held, manifests)
	names := make([]string, len(left))
	for i, h := range left {
		names[i] = h.ID
		if h.Label != "" {
			names[i] += " (" + h.Label + ")"
		}
	}
	return names, nil
}

// warnLeftOut says, at WARN, which contracts the platform holds for the
// injector id that a registration will delete (names, from leftOutNames),
// with every inject built on them.
func (c *Client) warnLeftOut(names []string) {
	c.log.Warn("this registration leaves out contracts the platform holds for this injector id: the platform deletes them, "+
		"and every inject built on them, in every scenario and simulation; keep the injectors they belong to in --injectors "+
		"to keep them", zap.String("injector_id", c.cfg.InjectorID), zap.Strings("contracts_deleted", names))
}

// sayUnread says, at INFO, that the contracts the platform holds for the
// injector id could not be read (err).
func (c *Client) sayUnread(err error) {
	c.log.Info("the contracts the platform holds for this injector id were not read: a contract it holds that "+
		"this registration leaves out is deleted, with every inject built on it, unwarned; read again before "+
		"each registration until one succeeds", zap.String("injector_id", c.cfg.InjectorID),
		zap.String("error", c.redact(err.Error())))
}
