package nmap

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capNetRaw is CAP_NET_RAW's bit in a capability set (linux/capability.h):
// the raw socket a syn or fin scan sends its packets through needs it.
const capNetRaw = 13

// privileges is what decides whether nmap can run a scan that needs raw
// sockets (syn, fin): whether nmap believes it is privileged, by its own
// rule (NMAP_PRIVILEGED set; else NMAP_UNPRIVILEGED unset and the
// effective uid 0), and whether the process may open a raw socket (its
// effective CAP_NET_RAW), which root without it may not, and a user with
// it may. nmap runs with the process's environment (see childEnv) and
// capabilities.
type privileges struct {
	euid                     int
	privileged, unprivileged bool // NMAP_PRIVILEGED, NMAP_UNPRIVILEGED set (even empty)
	netRaw                   bool // CAP_NET_RAW is in the effective set
}

// currentPrivileges returns the process's privileges. Where the effective
// capabilities cannot be read (not Linux, no /proc), root is taken to
// have CAP_NET_RAW and any other user not to.
func currentPrivileges() privileges {
	p := privileges{euid: os.Geteuid()}
	_, p.privileged = os.LookupEnv("NMAP_PRIVILEGED")
	_, p.unprivileged = os.LookupEnv("NMAP_UNPRIVILEGED")
	p.netRaw = p.euid == 0
	if eff, err := effectiveCaps(); err == nil {
		p.netRaw = eff&(1<<capNetRaw) != 0
	}
	return p
}

// rawRefusal says why a scan that needs raw sockets would fail, "" when
// it would not: what nmap itself would refuse ("requires root
// privileges"), or what the kernel would ("Couldn't open a raw socket").
func (p privileges) rawRefusal() string {
	switch nmapPrivileged := p.privileged || (!p.unprivileged && p.euid == 0); {
	case !nmapPrivileged && p.euid == 0:
		return "NMAP_UNPRIVILEGED is set, which makes nmap refuse it (unset it, or use scan_type=connect)"
	case !nmapPrivileged:
		return "run as root, or with CAP_NET_RAW and NMAP_PRIVILEGED set, or use scan_type=connect"
	case !p.netRaw:
		return "the process lacks CAP_NET_RAW, without which nmap cannot open a raw socket " +
			"(grant it, or use scan_type=connect)"
	}
	return ""
}

// parseCapEff returns the effective capability set a /proc/PID/status
// file gives (its CapEff line, in hex).
func parseCapEff(status []byte) (uint64, error) {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "CapEff:"); ok {
			n, err := strconv.ParseUint(strings.TrimSpace(v), 16, 64)
			if err != nil {
				return 0, fmt.Errorf("CapEff %q: %w", strings.TrimSpace(v), err)
			}
			return n, nil
		}
	}
	return 0, errors.New("no CapEff line")
}
