// Package findingrow is the one place both the openaev profile and the
// openaevtest stand-in take the OpenAEV platform's findings-row rules
// from: the value a finding is stored with (Value: the output
// processors' toFindingValue and buildString, a number as the text of
// its Jackson node, NumberText, which the profile matches against the
// inject's stored findings and the stand-in stores), and the
// size of the row it makes in the findings unique index (Size, ValueRoom:
// the profile truncates text findings to fit, the stand-in refuses what
// does not fit); and which fields the processor of an Active Directory
// output type requires in a finding (RequiredFields: the profile leaves
// out a finding without them, the stand-in refuses it).
//
// The platform keeps findings in a table with the unique index
// unique_finding_constraint, on (finding_inject_id, finding_type,
// finding_value, finding_field) since migration V3_95 (2.4.0 and later;
// migration V3_81 before it, on 1.x, had finding_value second). Every
// column is text (VARCHAR(255) or TEXT). PostgreSQL refuses to insert a
// btree (version 4) index tuple over 2704 bytes, the whole tuple
// (BTMaxItemSize on an 8 KiB page: (8192 - 40 - 16) / 3 = 2712, less 8
// for a heap TID): "index row size … exceeds btree version 4 maximum
// 2704", and the platform's transaction rolls back. The tuple is:
//
//   - an 8-byte header (IndexTupleData; no null bitmap, the columns are
//     NOT NULL);
//   - each key column, in index order, as a varlena: a 1-byte header and
//     the bytes when they are at most 126, unaligned; else a 4-byte
//     header and the bytes, starting on a 4-byte boundary (up to 3 bytes
//     of padding before it);
//   - the whole rounded up to 8 bytes (MAXALIGN).
//
// A 2704-byte value with a 36-byte inject id (a UUID), the type Text and
// the field "lines" makes 8 + 37 + 5 + 2 (padding) + 4 + 2704 + 6 = 2766,
// rounded to 2768: refused. Such a value fits in 2647 - len(field) bytes
// (2646 - len(field) in V3_81's order).
//
// PostgreSQL may compress a value of more than about 500 bytes (pglz,
// kept only when it saves a quarter) before it measures the tuple; hex,
// base64 and hashes do not compress. The measure here is of the raw
// bytes: it never lets through a row the platform refuses, and refuses
// some long compressible values the platform would store.
package findingrow

// MaxRow is the longest btree index tuple PostgreSQL stores, in bytes.
const MaxRow = 2704

// shortMax is the longest column, in bytes, stored with a 1-byte header.
const shortMax = 126

// TypeName returns the finding_type the platform stores for a contract
// output type: the name of its ContractOutputType constant (text → Text,
// portscan → PortsScan). A type not read in the platform's enum (file, on
// the Current line) gets the length of the longest name, so that its
// rows are never underestimated.
func TypeName(outputType string) string {
	if name, ok := typeNames[outputType]; ok {
		return name
	}
	return longestTypeName
}

// typeNames maps the contract output types to the enum constants'
// names (2.4.0's ContractOutputType).
var typeNames = map[string]string{
	"text": "Text", "number": "Number", "port": "Port", "portscan": "PortsScan",
	"ipv4": "IPv4", "ipv6": "IPv6", "credentials": "Credentials", "cve": "CVE",
	"username": "Username", "share": "Share", "admin_username": "AdminUsername",
	"group": "Group", "computer": "Computer", "password_policy": "PasswordPolicy",
	"delegation": "Delegation", "sid": "Sid", "vulnerability": "Vulnerability",
	"account_with_password_not_required": "AccountWithPasswordNotRequired",
	"asreproastable_account":             "AsreproastableAccount",
	"kerberoastable_account":             "KerberoastableAccount", "asset": "Asset",
}

const longestTypeName = "AccountWithPasswordNotRequired"

// Size returns the bytes of the index tuple of one finding, its columns
// in V3_95's order: inject id, finding type (TypeName), value, field.
func Size(injectID, findingType, value, field string) int {
	return tupleSize(len(injectID), len(findingType), len(value), len(field))
}

// ValueRoom returns the longest value, in bytes, a finding of that inject,
// type and field may have for its tuple to fit, in V3_95's column order
// and in V3_81's (which a 1.x platform has): 0 when none fits.
func ValueRoom(injectID, findingType, field string) int {
	id, typ, f := len(injectID), len(findingType), len(field)
	// Without padding and with 1-byte headers for the other columns: no
	// longer value fits, and the padding costs at most a few bytes more.
	for n := MaxRow - 8 - 4 - (1 + id) - (1 + typ) - (1 + f); n > 0; n-- {
		if tupleSize(id, typ, n, f) <= MaxRow && tupleSize(id, n, typ, f) <= MaxRow {
			return n
		}
	}
	return 0
}

// tupleSize is the size of an index tuple whose key columns, in order,
// are varlenas of those lengths.
func tupleSize(columns ...int) int {
	n := 8 // IndexTupleData, already MAXALIGNed
	for _, c := range columns {
		if c <= shortMax {
			n += 1 + c
			continue
		}
		n = (n+3)&^3 + 4 + c
	}
	return (n + 7) &^ 7
}
