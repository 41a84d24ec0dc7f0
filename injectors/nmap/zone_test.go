package nmap

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"testing"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/signatures"
)

// A zone that names no interface of the machine is refused before nmap
// runs, naming the target's position and its value, with a hint when it
// reads as a URL's escape of '%'; a zone an interface has, an interface
// index and an address without a zone pass. The test executor's machine
// has the interfaces lo (index 1) and eth0 (2) (newTestExecutor).
func TestValidateTargetsZone(t *testing.T) {
	tests := []struct {
		name    string
		targets []string
		field   string   // "": valid
		value   string   // the value named
		says    []string // in the error's text
		notSays []string
	}{
		{name: "zone of an interface", targets: []string{"fe80::1%lo", "FE80::1%eth0", "::1%lo"}},
		{name: "interface index", targets: []string{"fe80::1%1", "fe80::1%2", "::1%01", "fe80::1%002"}},
		{name: "index no interface has", targets: []string{"fe80::1%1", "fe80::1%99"}, field: "targets[1]", value: "fe80::1%99",
			says: []string{`"99"`, "interface index", "checked against the interfaces of the machine"}, notSays: []string{"%25"}},
		{name: "index 0 is no interface", targets: []string{"::1%0"}, field: "targets[0]", value: "::1%0", says: []string{`"0"`, "interface index"}},
		// 2^32+1, which a 32-bit scope id would wrap to lo's 1.
		{name: "index past 32 bits", targets: []string{"fe80::1%4294967297"}, field: "targets[0]",
			value: "fe80::1%4294967297", says: []string{"interface index"}},
		{name: "25 alone is an index no interface has", targets: []string{"fe80::1%25"}, field: "targets[0]", value: "fe80::1%25",
			says: []string{`"25"`, "interface index", "%25 is how a URL escapes"}},
		{name: "URL-escaped percent before an index", targets: []string{"fe80::1%251"}, field: "targets[0]", value: "fe80::1%251",
			says: []string{`"251"`, "fe80::1%1"}},
		{name: "no zone", targets: []string{"fe80::1", "::1", "127.0.0.1", "localhost"}},
		{name: "URL-escaped percent", targets: []string{"fe80::1%25lo"}, field: "targets[0]", value: "fe80::1%25lo",
			says: []string{`"25lo"`, "this machine", "%25", "fe80::1%lo"}},
		{name: "URL-escaped percent, upper case address", targets: []string{"127.0.0.1", "FE80::A%25eth0"}, field: "targets[1]",
			value: "fe80::a%25eth0", says: []string{`"25eth0"`, "fe80::a%eth0"}},
		{name: "no such interface", targets: []string{"fe80::1%lo", "fe80::1%nosuchif"}, field: "targets[1]", value: "fe80::1%nosuchif",
			says: []string{`"nosuchif"`, "checked against the interfaces of the machine"}, notSays: []string{"%25"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var in []framework.Target
			for _, v := range tt.targets {
				in = append(in, framework.Target{Config: signatures.ClassifyNetworkTarget(v)})
			}
			// The runtime hands an executor canonical configurations.
			for i := range in {
				in[i].Config = signatures.Canonical(in[i].Config)
			}
			err := newTestExecutor(nil).ValidateTargets(in)
			if tt.field == "" {
				if err != nil {
					t.Fatalf("ValidateTargets(%q) = %v, want nil", tt.targets, err)
				}
				return
			}
			var ve *signatures.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.field || ve.Value != tt.value || !errors.Is(err, ErrNoInterface) {
				t.Fatalf("ValidateTargets(%q) = %#v, want a ValidationError of %s %q wrapping ErrNoInterface", tt.targets, err, tt.field, tt.value)
			}
			for _, s := range tt.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not say %q", err, s)
				}
			}
			for _, s := range tt.notSays {
				if strings.Contains(err.Error(), s) {
					t.Errorf("error %q says %q", err, s)
				}
			}
		})
	}
}

// interfaceIndex, the machine's own lookup, finds each interface of this
// machine by its name and by its index, leading zeros included, and no
// interface for an index none has: 0, one past the largest, one that a
// 32-bit scope id would wrap to an interface's.
func TestInterfaceIndex(t *testing.T) {
	ifcs, err := net.Interfaces()
	if err != nil || len(ifcs) == 0 {
		t.Skipf("no interfaces to check against: %v", err)
	}
	largest := 0
	for _, ifc := range ifcs {
		largest = max(largest, ifc.Index)
		for _, zone := range []string{ifc.Name, strconv.Itoa(ifc.Index), "0" + strconv.Itoa(ifc.Index)} {
			if n, err := interfaceIndex(zone); err != nil || n != ifc.Index {
				t.Errorf("interfaceIndex(%q) = %d, %v, want %d", zone, n, err, ifc.Index)
			}
		}
	}
	for _, zone := range []string{"0", strconv.Itoa(largest + 1), strconv.Itoa(1<<32 + ifcs[0].Index), "99999999999999999999", "nosuchif"} {
		if n, err := interfaceIndex(zone); err == nil {
			t.Errorf("interfaceIndex(%q) = %d, want an error", zone, n)
		}
	}
}

// FuzzZoneNamesAnInterface: an IPv6 target's zone, as a flag, a file or a
// platform message gives it, passes ValidateTargets (this machine's own
// interface lookup, interfaceIndex) only when it names an interface of
// this machine, by its name or by its index written in decimal; a zone
// refused for naming none wraps ErrNoInterface and names the target's
// position and value, and no interface has it.
func FuzzZoneNamesAnInterface(f *testing.F) {
	for _, z := range []string{"lo", "1", "01", "0", "99", "4294967297", "25", "25lo", "eth0", "nosuchif", "-1", "1e3", "lo.5", "0x1"} {
		f.Add(z)
	}
	ifcs, err := net.Interfaces()
	if err != nil {
		f.Skipf("no interfaces to check against: %v", err)
	}
	names := func(zone string) bool {
		for _, ifc := range ifcs {
			if ifc.Name == zone {
				return true
			}
			if n, err := strconv.Atoi(zone); err == nil && numericZone(zone) && n == ifc.Index {
				return true
			}
		}
		return false
	}
	e := New()
	f.Fuzz(func(t *testing.T, zone string) {
		v := "fe80::1%" + zone
		in := []framework.Target{{Config: signatures.ClassifyNetworkTarget("::1")}, {Config: signatures.ClassifyNetworkTarget(v)}}
		if in[1].Config.Validate() != nil {
			return // not a zoned address the runtime would hand nmap
		}
		for i := range in {
			in[i].Config = signatures.Canonical(in[i].Config)
		}
		err := e.ValidateTargets(in)
		var ve *signatures.ValidationError
		switch {
		case err == nil && !names(zone):
			t.Fatalf("ValidateTargets(%q) accepted a zone no interface of this machine has", v)
		case err == nil:
		case !errors.Is(err, ErrNoInterface):
			// Refused for another reason: the zone's form.
		case names(zone):
			t.Fatalf("ValidateTargets(%q) = %v, but an interface of this machine has the zone", v, err)
		case !errors.As(err, &ve) || ve.Field != "targets[1]" || !strings.Contains(err.Error(), strconv.Quote(zone)):
			t.Fatalf("ValidateTargets(%q) = %#v, want a ValidationError of targets[1] quoting the zone", v, err)
		}
	})
}
