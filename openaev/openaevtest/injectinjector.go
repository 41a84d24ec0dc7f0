package openaevtest

import (
	"fmt"
	"slices"
)

// The injector an inject names, and the one the platform publishes it to
// (rule 2; 2.4.0 read, files under openaev-api/src/main/java/io/openaev/
// and openaev-model/…/database/).
//
// An inject names the injector it runs on in inject_injector (Inject.java
// :185-192, a column V4_78 added, REFERENCES injectors ON DELETE
// CASCADE), set when it is made or updated: the inject form sends the
// one its "Injector" selector holds (openaev-front …/injects/form/
// InjectForm.tsx:142, 294; InjectInjectorSelector.tsx, shown once the
// contract is linked to two injectors or more, its default the first of
// injector_contract_injector_names), the update route takes one too
// (rest/inject/service/InjectService.java:704-707: resolveInjector of the
// input's id). So two injectors of one type (V4_77 dropped the unique
// index on injector_type: two deployments of a binary under two
// --injector-id) share the contract, and each inject goes to the one it
// names. SetInjectInjector models that choice.
//
// An inject that names none (AddInject alone: a starter-pack import's,
// whose importSave writes no inject_injector, or one made while its
// contract was linked to no injector, resolveInjector's null) is looked up
// by type as it is executed (executors/Executor.java:92-104): the type
// of the contract's first linked injector (Inject.getType, Inject.java
// :514-524), then InjectorRepository.findByTypeAndTenantId, a Spring Data
// Optional: one injector of that type is the one, none fails
// (IllegalStateException "Injector not found for type"), and two or more
// fail too (IncorrectResultSizeDataAccessException): the inject fails on
// the platform and is published on no queue. The type's placeholder is of
// its own type (placeholder.go). InjectorOf says which.
//
// An inject naming the placeholder of an import is deleted with it
// (V4_78's ON DELETE CASCADE) when a new injector of the type registers
// (placeholder.go).

// SetInjectInjector makes inject id name injector injectorID
// (inject_injector), as the inject form's "Injector" selector, or the
// update route, sets it. An injector the platform does not hold, or an
// inject it does not know, changes nothing (the route answers 404).
func (p *Platform) SetInjectInjector(injectID, injectorID string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, external := p.registeredInjectors[injectorID]
	_, placeholder := p.placeholderLocked(injectorID)
	if in := p.injects[injectID]; in != nil && (external || placeholder) {
		in.injector = injectorID
	}
}

// injectorOfLocked returns the injector the platform publishes inject in
// on: the one it names, else the one injector of its contract's type;
// or "" and why the platform fails it.
func (p *Platform) injectorOfLocked(in *inject) (id, why string) {
	if in.injector != "" {
		return in.injector, ""
	}
	typ := p.firstInjectorLocked(in.contract).Type
	if typ == "" {
		return "", "its contract is linked to no injector: Executor.execute finds none (Injector not found for type: null)"
	}
	var found []string
	for _, r := range p.registeredInjectors {
		if r.Type == typ {
			found = append(found, r.ID)
		}
	}
	for _, ph := range p.placeholders {
		if ph.Type == typ {
			found = append(found, ph.ID)
		}
	}
	slices.Sort(found)
	switch len(found) {
	case 1:
		return found[0], ""
	case 0:
		return "", fmt.Sprintf("the inject names no injector, and the platform holds none of type %q: Injector not found for type", typ)
	}
	return "", fmt.Sprintf("the inject names no injector (inject_injector null), and the platform holds %d of type %q (%v): "+
		"findByTypeAndTenantId fails (IncorrectResultSizeDataAccessException) and the inject fails unpublished; "+
		"name one (SetInjectInjector)", len(found), typ, found)
}

// InjectorWhy returns why the platform publishes inject id on no
// injector's queue (InjectorOf's ""), or "".
func (p *Platform) InjectorWhy(injectID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	in := p.injects[injectID]
	if in == nil {
		return "the platform does not know inject " + injectID
	}
	_, why := p.injectorOfLocked(in)
	return why
}

// dropInjectsNamingLocked deletes the injects that name injector id,
// as deleting the injector does (V4_78: ON DELETE CASCADE).
func (p *Platform) dropInjectsNamingLocked(id string) {
	for iid, in := range p.injects {
		if in.injector == id {
			delete(p.injects, iid)
		}
	}
}

// injectorTypeLocked is the type of injector id, a registered one's or a
// placeholder's.
func (p *Platform) injectorTypeLocked(id string) string {
	if r, ok := p.registeredInjectors[id]; ok {
		return r.Type
	}
	ph, _ := p.placeholderLocked(id)
	return ph.Type
}
