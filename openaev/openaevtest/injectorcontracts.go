package openaevtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// An injector's contracts as the platform keeps them across
// registrations (rule 2; 2.4.0 read, files under
// openaev-api/src/main/java/io/openaev/). A registration of an
// injector_id the platform holds already updates that injector
// (service/InjectorService.java:204-206 → updateExistingExternalInjector
// :249-318): each of its contracts the input names again is updated, each
// it leaves out that is not custom (one made on the platform; the
// stand-in holds none) is deleted (toDeletes, :269, :305-306;
// injectorContractRepository.deleteAllById, :314), and the input's other
// contracts are created. The database deletes with a contract every
// inject made with it (migration V4_88: injects.inject_injector_contract
// REFERENCES injectors_contracts ON DELETE CASCADE) and its link to the
// injector (V4_90: injectors_injector_contracts, ON DELETE CASCADE): GET
// /api/injects/{id} of such an inject is then a 404, its callbacks are
// lost, and the stand-in forgets it (Held, InjectStatus ""). A contract id
// two injectors registered is linked to both (the join table), and one
// of them leaving it out deletes it for the other too.
//
// GET /api/injectors/{injectorId}/injector_contracts
// (rest/injector/InjectorApi.java:91-111, READ on INJECTOR, which the
// stand-in grants every token it knows) answers the contents of the
// injector's contracts, each contract_content parsed (mapper.readTree):
// a list of JSON objects; an injector the platform does not hold is a 404
// (findById(…).orElseThrow(ElementNotFoundException::new): "Element not
// found: null"), a content that is no JSON a 500.

// injectorContractsPath returns the injector id of a path
// /api/injectors/{id}/injector_contracts, and whether path is one.
func injectorContractsPath(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/injectors/")
	if !ok {
		return "", false
	}
	id, ok := strings.CutSuffix(rest, "/injector_contracts")
	return id, ok && id != "" && !strings.Contains(id, "/")
}

// injectorContracts answers GET /api/injectors/{id}/injector_contracts.
func (p *Platform) injectorContracts(c *Call) (int, string, []byte) {
	id, _ := injectorContractsPath(c.Path)
	p.mu.Lock()
	ids := p.contractsOfLocked(id)
	contents := make([]json.RawMessage, 0, len(ids))
	for _, cid := range ids {
		contents = append(contents, json.RawMessage(p.contracts[cid].content))
	}
	_, known := p.registeredInjectors[id]
	p.mu.Unlock()
	if !known {
		return fail(http.StatusNotFound, "Element not found: null")
	}
	for _, raw := range contents {
		if !json.Valid(raw) {
			return fail(http.StatusInternalServerError, "a contract's content is not JSON: JsonProcessingException")
		}
	}
	b, _ := json.Marshal(contents)
	return http.StatusOK, jsonType, b
}

// contractsOfLocked returns, sorted, the ids of the contracts injector
// id registered and still holds.
func (p *Platform) contractsOfLocked(id string) []string {
	var ids []string
	for cid, injectors := range p.linked {
		if injectors[id] {
			ids = append(ids, cid)
		}
	}
	slices.Sort(ids)
	return ids
}

// dropLeftOutLocked deletes the contracts injector id holds that kept
// (the contracts of its new registration) leaves out, and the injects
// made with them, as a registration of an injector the platform holds
// does (see above). It returns the ids deleted, sorted.
func (p *Platform) dropLeftOutLocked(id string, kept map[string]registered) (contracts, injects []string) {
	for _, cid := range p.contractsOfLocked(id) {
		if _, ok := kept[cid]; ok {
			continue
		}
		contracts = append(contracts, cid)
		delete(p.contracts, cid)
		delete(p.expectations, cid)
		delete(p.injectors, cid)
		delete(p.linked, cid)
	}
	for iid, in := range p.injects {
		if slices.Contains(contracts, in.contract) {
			injects = append(injects, iid)
			delete(p.injects, iid)
		}
	}
	slices.Sort(injects)
	return contracts, injects
}

// isInjectorContracts reports whether path is
// /api/injectors/{id}/injector_contracts.
func isInjectorContracts(path string) bool {
	_, ok := injectorContractsPath(path)
	return ok
}
