package openaevtest

import "slices"

// The placeholder injector of an import (rule 2; 2.4.0 read, files under
// openaev-api/src/main/java/io/openaev/). A starter-pack import of a
// scenario whose inject's contract the platform does not hold creates
// the contract (importer/V1_DataImporter.java:1196-1209,
// importInjectorContractFromStarterPack :1388-1440), linked to the
// placeholder injector of the contract's injector type
// (service/InjectorService.java:127-142, createOrGetDummyInjector: type
// TYPE_dummy, name "Dummy NAME", id TYPE_dummy_TENANT, no external
// injector, so no queue), and its injects, which name no injector
// (InjectRepository's importSave…: no inject_injector), are the
// placeholder's until it goes: Inject.getType is the contract's first
// linked injector's type, Executor.execute (executors/Executor.java:
// 92-127) finds the injector of that type, the placeholder, and runs it
// as a built-in one, which no integration provides (Manager.request:
// NoSuchElementException), so the inject fails on the platform and never
// reaches a queue.
//
// The placeholder goes only when a NEW injector of its type registers:
// registerExternalInjector (InjectorService.java:194-247) calls
// deleteDummyInjectorIfItExists (:421-439) in the branch of an injector
// id it does not hold (:216-241), not in updateExistingExternalInjector's
// (:205-215). Deleting it removes its rows of the join table
// (injectors_injector_contracts, Injector.contracts' side: the links it
// adds on InjectorContract.injectors, mappedBy, are not written), so the
// injectors linked after it move up, the new one linked to the contracts
// it registered; and every inject whose inject_injector is the
// placeholder (one made on the platform with the contract while the
// placeholder was its first linked, InjectUtils.resolveInjector) is
// deleted with it (migration V4_78: ON DELETE CASCADE). An injector id
// the platform holds already that registers the contract later is linked
// after the placeholder: the contract's injects stay the placeholder's
// (InjectorOf names it) until a new injector of the type registers.
// ImportContract creates such a contract; GET /api/injectors/{id} answers
// the placeholder (injector_external false) until it goes.

// placeholderSuffix ends a placeholder's type (InjectorService.DUMMY_SUFFIX).
const placeholderSuffix = "_dummy"

// placeholderTenant is the tenant a placeholder's id names: the
// stand-in's requests are the default tenant's.
const placeholderTenant = "default"

// ImportContract makes the platform hold contract id as a starter-pack
// import creates it for an inject of an injector of injectorType (named
// injectorName) not registered: its content content, linked to that
// type's placeholder, created if none is. A contract the platform holds
// already is left as it is, as the import finds and uses it.
func (p *Platform) ImportContract(id, injectorType, injectorName, content string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.contracts[id]; ok {
		return
	}
	ph, ok := p.placeholders[injectorType]
	if !ok {
		ph = contractInjector{ID: injectorType + placeholderSuffix + "_" + placeholderTenant,
			Name: "Dummy " + injectorName, Type: injectorType + placeholderSuffix}
		p.placeholders[injectorType] = ph
	}
	p.contracts[id] = registered{content: content, targeted: targetedFields(content) > 0}
	p.expectations[id] = contractExpectations(content)
	p.linkLocked(id, ph)
}

// dropPlaceholderLocked deletes the placeholder of injectorType, if
// any, on the registration of a new injector of that type: its links
// gone, the injectors linked after it moved up.
func (p *Platform) dropPlaceholderLocked(injectorType string) {
	ph, ok := p.placeholders[injectorType]
	if !ok {
		return
	}
	delete(p.placeholders, injectorType)
	p.dropInjectsNamingLocked(ph.ID)
	for cid, links := range p.injectors {
		p.injectors[cid] = slices.DeleteFunc(links, func(in contractInjector) bool { return in.ID == ph.ID })
		delete(p.linked[cid], ph.ID)
	}
}

// placeholderLocked returns the placeholder whose id is id.
func (p *Platform) placeholderLocked(id string) (contractInjector, bool) {
	for _, ph := range p.placeholders {
		if ph.ID == id {
			return ph, true
		}
	}
	return contractInjector{}, false
}
