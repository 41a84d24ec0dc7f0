package openaevtest

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
)

// A contract id two injectors register (rule 2; 2.4.0 read, files under
// openaev-api/src/main/java/io/openaev/ and openaev-model/…/database/).
// A registration stores each contract of its input whatever injector
// holds that id already: a new injector's contracts, and those an
// injector it holds did not hold before, go through
// InjectorContractService.convertInjectorFromInput
// (rest/injector_contract/InjectorContractService.java:758-782: a new
// entity of that id, linked to the registering injector alone, its
// content the input's) and saveAll, which merges it over the stored
// contract of that id: its content, labels and platforms replaced by the
// registering injector's; an injector that holds it already updates its
// content in place (service/InjectorService.java:276-283). The link is
// written on the owning side (Injector.contracts, :236 and :319): the
// contract is then linked to both injectors, the earlier one first
// (model/InjectorContract.java:196-198, a @ManyToMany list without an
// order column, read back in the order its join rows were written).
// InjectorContract.addInjector refuses an injector of another type than
// the first's (:219-231), but only on the entity the input built, linked
// to none yet: 2.4.0 checks nothing across registrations (a later line
// may refuse the second, as the comment there, "All injectors sharing a
// contract have the same type", assumes).
//
// An inject made with such a contract is the first linked injector's
// unless it names another: InjectUtils.resolveInjector
// (utils/InjectUtils.java:64-77) takes the contract's first linked
// injector when the input names none (the inject form names the one its
// selector holds, the first by default: injectinjector.go), and
// Executor.execute (executors/Executor.java:83-124) publishes it on that
// injector's queue, whichever registered the contract last: an inject
// meant for the second injector runs on the first unless the user picked
// the second, with the fields of whichever content was registered last.
// InjectorOf names the injector (AddInject's inject names none: looked up
// by its type, the first linked injector's); GET /api/injects/{id} the
// contract's injectors, first linked first, and the first's type.
//
// GET /api/injector_contracts/{id} (rest/injector_contract/
// InjectorContractApi.java:103-113, READ on INJECTOR_CONTRACT, an open
// resource, PermissionService.java:24-40: any token the platform knows)
// answers the InjectorContract: injector_contract_id,
// injector_contract_content (the string stored), injector_contract_injectors
// (the linked injectors' ids), injector_contract_injector_names (id →
// name) and injector_contract_injector_type (the first linked injector's
// type, :355-359); a contract id the platform does not hold is a 404,
// ElementNotFoundException("Injector contract not found")
// (InjectorContractService.java:130-134).
//
// The contract names only the first linked injector's type: the type of
// another linked injector is its Injector's, GET /api/injectors/{id}
// (rest/injector/InjectorApi.java:135-142, READ on INJECTOR, which the
// stand-in grants every token it knows), answering injector_id,
// injector_name and injector_type as its last registration set them
// (updateExistingExternalInjector :260-261); an injector the platform
// does not hold is a 404, findById(…).orElseThrow(
// ElementNotFoundException::new): "Element not found: null".
//
// Every registration of an injector that holds the contract replaces
// its content again (updateExistingExternalInjector :272-276, the
// contracts of injector.getContracts() the input names): two injectors
// linked to one contract, each registering at its heartbeats, overwrite
// each other's content at every heartbeat, and the injects made with it
// still go to the first linked; one of them leaving it out deletes it
// for both (injectorcontracts.go).

// contractInjector is an injector linked to a contract, as its Injector
// entity says now.
type contractInjector struct{ ID, Name, Type string }

// injectorContractPrefix is the route of one contract.
const injectorContractPrefix = "/api/injector_contracts/"

// isInjectorContract reports whether path is /api/injector_contracts/{id}.
func isInjectorContract(path string) bool {
	id, ok := strings.CutPrefix(path, injectorContractPrefix)
	return ok && id != "" && !strings.Contains(id, "/")
}

// injectorContract answers GET /api/injector_contracts/{id}.
func (p *Platform) injectorContract(c *Call) (int, string, []byte) {
	id := strings.TrimPrefix(c.Path, injectorContractPrefix)
	p.mu.Lock()
	defer p.mu.Unlock()
	reg, ok := p.contracts[id]
	if !ok {
		return fail(http.StatusNotFound, "Element not found: Injector contract not found")
	}
	doc := p.contractDocLocked(id)
	doc["injector_contract_content"] = reg.content
	b, _ := json.Marshal(doc)
	return http.StatusOK, jsonType, b
}

// injectorPrefix is the route of one injector.
const injectorPrefix = "/api/injectors/"

// isInjector reports whether path is /api/injectors/{id}.
func isInjector(path string) bool {
	id, ok := strings.CutPrefix(path, injectorPrefix)
	return ok && id != "" && !strings.Contains(id, "/")
}

// injector answers GET /api/injectors/{id}.
func (p *Platform) injector(c *Call) (int, string, []byte) {
	id := strings.TrimPrefix(c.Path, injectorPrefix)
	p.mu.Lock()
	in, external := p.registeredInjectors[id]
	ph, placeholder := p.placeholderLocked(id)
	p.mu.Unlock()
	if placeholder {
		in = ph
	} else if !external {
		return fail(http.StatusNotFound, "Element not found: null")
	}
	b, _ := json.Marshal(map[string]any{"injector_id": in.ID, "injector_name": in.Name, "injector_type": in.Type,
		"injector_external": external})
	return http.StatusOK, jsonType, b
}

// contractDocLocked is the InjectorContract of contract id as the
// platform serializes it (its linked injectors; type null for none).
func (p *Platform) contractDocLocked(id string) map[string]any {
	ids := []string{}
	names := map[string]string{}
	for _, in := range p.injectors[id] {
		ids = append(ids, in.ID)
		names[in.ID] = in.Name
	}
	var typ any
	if len(ids) > 0 {
		typ = p.injectors[id][0].Type
	}
	return map[string]any{"injector_contract_id": id, "injector_contract_injectors": ids,
		"injector_contract_injector_names": names, "injector_contract_injector_type": typ}
}

// firstInjectorLocked is the injector first linked to contract id, the
// zero value when none is.
func (p *Platform) firstInjectorLocked(id string) contractInjector {
	if in := p.injectors[id]; len(in) > 0 {
		return in[0]
	}
	return contractInjector{}
}

// linkLocked links owner to contract id after the injectors linked to it
// already, unless it is one of them.
func (p *Platform) linkLocked(id string, owner contractInjector) {
	for _, in := range p.injectors[id] {
		if in.ID == owner.ID {
			return
		}
	}
	p.injectors[id] = append(p.injectors[id], owner)
	if p.linked[id] == nil {
		p.linked[id] = map[string]bool{}
	}
	p.linked[id][owner.ID] = true
}

// renameLocked gives owner's name and type to every link of its id: a
// registration updates the Injector entity (updateExistingExternalInjector
// :260-261), which every contract linked to it names.
func (p *Platform) renameLocked(owner contractInjector) {
	for _, links := range p.injectors {
		for i := range links {
			if links[i].ID == owner.ID {
				links[i] = owner
			}
		}
	}
}

// Unlink forgets injector id: its links to the contracts it registered,
// the contracts, their contents and their injects kept (an inject of
// them goes to the next injector that registers them). No platform route
// does this alone (deleting an injector deletes its contracts): the
// stand-in's command registers the contracts of its injects itself, so
// that the platform holds them, then unlinks that registration, which is
// no deployment that consumes a queue.
func (p *Platform) Unlink(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.registeredInjectors, id)
	for cid, links := range p.injectors {
		p.injectors[cid] = slices.DeleteFunc(links, func(in contractInjector) bool { return in.ID == id })
		delete(p.linked[cid], id)
	}
}
