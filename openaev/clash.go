package openaev

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
)

// A contract id another binary's injector holds. ContractID depends on
// the injector's name alone, so two binaries (two injector_types)
// serving an injector of one name register one contract id. OpenAEV
// 2.4.0 takes the second registration as it takes any: the stored
// contract's content is replaced by the second's
// (InjectorContractService.convertInjectorFromInput, merged by saveAll;
// InjectorService.updateExistingExternalInjector at each heartbeat), and
// the contract is linked to both injectors, the first first. An inject
// made with it goes to the first linked injector
// (InjectUtils.resolveInjector, Executor.execute): an inject meant for
// the second binary's injector runs on the first, or with the other's
// fields. The ids are not changed (existing contracts, and the injects
// built on them, would be orphaned): before each registration until one
// succeeds, the Registrar reads each contract it registers, GET
// /api/injector_contracts/{id} (InjectorContractApi.java:103-113, READ
// on INJECTOR_CONTRACT, an open resource: any token), and refuses to
// register, a *ValidationError on injector_type, when the injector the
// contract names first is another injector, of another type than ours
// (injector_contract_injector_type). Two deployments of one type (one
// binary's instances) share their contracts as the platform means them
// to. A read that fails is said once, at INFO, and the registration goes
// ahead.

// dummySuffix ends the injector_type of the placeholder injector an
// import of scenarios makes for a type no injector registered yet
// (InjectorService.createOrGetDummyInjector, DUMMY_SUFFIX): the first
// injector of that type to register replaces it on its contracts
// (deleteDummyInjectorIfItExists), so it is no clash.
const dummySuffix = "_dummy"

// contractHolder is the injector a contract is linked to first, as
// GET /api/injector_contracts/{id} says (none: ID "").
type contractHolder struct{ ID, Name, Type string }

// contractHolder reads the injector contract id is linked to first; a
// contract the platform does not hold (a 404) has none. Sent once, not
// retried. Failures are an *APIError or ErrDryRun.
func (c *Client) contractHolder(ctx context.Context, id string) (contractHolder, error) {
	if c.dry != nil {
		return contractHolder{}, ErrDryRun
	}
	reply, err := c.do(ctx, request{op: "injector contract", method: http.MethodGet, once: true,
		path: "/injector_contracts/" + url.PathEscape(id)})
	var ae *APIError
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return contractHolder{}, nil
	}
	if err != nil {
		return contractHolder{}, err
	}
	var doc struct {
		Injectors []string          `json:"injector_contract_injectors"`
		Names     map[string]string `json:"injector_contract_injector_names"`
		Type      *string           `json:"injector_contract_injector_type"`
	}
	if err := json.Unmarshal(reply, &doc); err != nil {
		return contractHolder{}, fmt.Errorf("injector contract %s: %w", id, err)
	}
	if len(doc.Injectors) == 0 || doc.Type == nil {
		return contractHolder{}, nil
	}
	first := doc.Injectors[0]
	return contractHolder{ID: first, Name: doc.Names[first], Type: *doc.Type}, nil
}

// contractClashes reads the contracts of manifests and returns the
// refusal naming those another injector of another type holds first (nil
// for none), and the first read that failed.
func (c *Client) contractClashes(ctx context.Context, manifests []framework.Manifest) (refusal, readErr error) {
	var clashes []string
	for _, m := range manifests {
		id := ContractID(m.Name)
		h, err := c.contractHolder(ctx, id)
		if err != nil {
			if readErr == nil {
				readErr = err
			}
			continue
		}
		if h.ID == "" || h.ID == c.cfg.InjectorID || h.Type == c.cfg.InjectorType || h.Type == c.cfg.InjectorType+dummySuffix {
			continue
		}
		clashes = append(clashes, fmt.Sprintf("injector %s's contract %s is held by injector %q (id %s) of injector_type %q",
			m.Name, id, h.Name, h.ID, h.Type))
	}
	if len(clashes) == 0 {
		return nil, readErr
	}
	return &ValidationError{Field: "injector_type", Value: c.cfg.InjectorType, Reason: strings.Join(clashes, "; ") +
		": a contract id is fixed by the injector's name alone, and OpenAEV sends every inject made with a contract to " +
		"the injector linked to it first, while each registration replaces its content; registering it as injector_type " +
		fmt.Sprintf("%q (injector_name %q) would run this binary's injects on the other one, or with its fields. ", c.cfg.InjectorType,
			c.cfg.InjectorName) +
		"Serve that injector from one binary only (leave it out of --injectors here, or there), or rename it in one " +
		"binary's code (its Manifest name) before scenarios use it; if that injector is this binary's own, registered " +
		"under an earlier injector_type, delete that injector on the platform or give that type back; " +
		"nothing was registered"}, readErr
}

// clashSaid is what a Registrar said of the reads of the contracts it
// registers: a read that failed is said once.
type clashSaid struct {
	mu     sync.Mutex
	unread bool
}

// check reads the contracts of manifests (see contractClashes) and
// returns the refusal, if any; a read that failed is said once, at INFO.
func (s *clashSaid) check(ctx context.Context, c *Client, manifests []framework.Manifest) error {
	refusal, err := c.contractClashes(ctx, manifests)
	if err != nil && !errors.Is(err, ErrDryRun) && ctx.Err() == nil {
		s.mu.Lock()
		said := s.unread
		s.unread = true
		s.mu.Unlock()
		if !said {
			c.log.Info("the contracts this registration declares were not all read: one another binary's injector "+
				"(another injector_type) holds would be taken over unrefused; read again before each registration "+
				"until one succeeds", zap.String("injector_id", c.cfg.InjectorID), zap.String("error", c.redact(err.Error())))
		}
	}
	return refusal
}
