package openaevtest

import (
	"encoding/json"
	"fmt"
	"unicode/utf8"
)

// MaxInjectorColumn is the most characters the platform stores of an
// injector's injector_id, injector_name and injector_type: the injectors
// table's columns are varchar(255) (migration V2_79__Injectors, unchanged
// since; 2.4.0 read), and the entity and its input check nothing but
// @NotBlank (Injector.java:31-45, InjectorCreateInput), so that a longer
// value passes validation and fails its INSERT or UPDATE (PostgreSQL:
// "value too long for type character varying(255)", SQLState 22001,
// Hibernate's DataException). PostgreSQL counts characters, not bytes.
//
// When it fails depends on whether the platform holds the injector
// (InjectorService.registerExternalInjector, :194-247, after the queue is
// declared at :202, which stays):
//   - a new injector: the insert is flushed by the query of
//     deleteDummyInjectorIfItExists (:241, :421-424,
//     findByTypeAndTenantId on the injectors table), the exception
//     translated (DataIntegrityViolationException), caught and wrapped
//     in a RuntimeException (:244-245), which no handler of RestBehavior's
//     takes: a 500, Spring Boot's error JSON, nothing stored;
//   - an update (updateExistingExternalInjector :249-318, which queries no
//     injector after it set the name and type): the update is flushed at the
//     commit of registerInjector's @Transactional (InjectorApi.java:161-166),
//     which Spring translates to a DataIntegrityViolationException, that
//     RestBehavior answers 409 with a ViolationErrorBag (:250-278), nothing
//     changed.
const MaxInjectorColumn = 255

// injectorColumnRefusal names the first of the registration's injector_id,
// injector_name and injector_type longer than MaxInjectorColumn
// characters or holding U+0000, "" when none is.
func injectorColumnRefusal(names map[string]string) string {
	for _, k := range []string{"injector_id", "injector_name", "injector_type"} {
		if hasNUL(names[k]) {
			// The JDBC driver's refusal fails the flush alike (nul.go).
			return fmt.Sprintf("%s holds U+0000 (injectors.%s): %s", k, k, errZeroBytes)
		}
		if n := utf8.RuneCountInString(names[k]); n > MaxInjectorColumn {
			return fmt.Sprintf("%s is %d characters: value too long for type character varying(%d) (injectors.%s, V2_79__Injectors)",
				k, n, MaxInjectorColumn, k)
		}
	}
	return ""
}

// violationBag is RestBehavior.handleIntegrityException's answer to a
// DataIntegrityViolationException whose cause is no constraint's (a value
// too long): a ViolationErrorBag.
func violationBag(reason string) []byte {
	b, _ := json.Marshal(map[string]string{"type": "DataIntegrityViolationException",
		"message": "Database integrity violation", "error": reason})
	return b
}
