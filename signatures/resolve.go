package signatures

import (
	"context"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"time"
)

// UnknownSourceIP is the source_ipv4 recorded when no address could be found.
const UnknownSourceIP = "unknown"

// ContainerIPEnv is the environment variable that gives the source IPv4
// address outright, the first of Resolve's strategies.
const ContainerIPEnv = "CONTAINER_IP"

// ParseContainerIP checks a value of ContainerIPEnv and returns the address
// it gives: "" when it is empty or blank (unset), else an IPv4 address or a
// *ValidationError naming the variable and the value. Resolve skips a value
// it refuses; a command checks it first, so that a typo is not silently
// replaced by another address in every signature.
func ParseContainerIP(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", nil
	}
	if a, err := netip.ParseAddr(v); err != nil || !a.Is4() {
		return "", &ValidationError{Field: ContainerIPEnv, Value: v,
			Reason: "not an IPv4 address (it is the source_ipv4 of the signatures; unset it to have it found)"}
	}
	return v, nil
}

// SourceIPs holds the addresses a target would see the injector come from.
type SourceIPs struct {
	IPv4 string
	IPv6 string
}

// Resolver finds the machine's source addresses. Each strategy is a field so
// that tests can pin it; a nil field is skipped.
type Resolver struct {
	// Getenv reads CONTAINER_IP (ContainerIPEnv).
	Getenv func(key string) string
	// Hostname returns the machine's host name.
	Hostname func() (string, error)
	// LookupHost resolves a host name to addresses.
	LookupHost func(ctx context.Context, host string) ([]string, error)
	// HostnameI returns the output of `hostname -i`: libc's getaddrinfo
	// of host, the host name ("" when Hostname found none), asked when Go's
	// resolver (LookupHost) found no usable IPv4 address for it, for the
	// nsswitch.conf sources Go's resolver does not read (myhostname,
	// mdns, ldap…).
	HostnameI func(ctx context.Context, host string) (string, error)
	// InterfaceAddrs returns the addresses of the interfaces that are up.
	InterfaceAddrs func() ([]netip.Addr, error)
	// Route returns the source address the kernel would send from to
	// reach dst (see RouteSources); nil: no route is looked up, every
	// target gets the host-wide addresses Resolve finds.
	Route func(dst netip.Addr) (netip.Addr, error)
	// cells returns the partition of the addresses over which Route
	// answers alike (kernelCells): DefaultResolver's, for its Route
	// alone (a Resolver built otherwise has none: each address's route
	// is looked up on its own).
	cells func() (*cellPartition, error)
}

// DefaultResolver returns a Resolver over the real environment, DNS,
// `hostname -i`, network interfaces and the kernel's routes. Its
// HostnameI starts `hostname -i` only when libc may answer otherwise
// than Go's resolver did (libcAgrees: a machine whose nsswitch.conf
// lists files and dns alone, or files first and the host name in
// /etc/hosts, as a default Debian, answers errLibcAgrees at once: the
// fork cost 1.3 ms beside every scan for the answer already found).
func DefaultResolver() Resolver {
	return Resolver{
		Getenv:         os.Getenv,
		Hostname:       os.Hostname,
		LookupHost:     net.DefaultResolver.LookupHost,
		HostnameI:      libcHostnameI(nsswitchPath, hostsPath),
		InterfaceAddrs: upInterfaceAddrs,
		Route:          routeSource,
		cells:          kernelCells,
	}
}

// libcHostnameI returns DefaultResolver's HostnameI, over libc's
// nsswitch.conf and hosts files at those paths.
func libcHostnameI(nsswitch, hosts string) func(ctx context.Context, host string) (string, error) {
	return func(ctx context.Context, host string) (string, error) {
		conf, _ := os.ReadFile(nsswitch) // absent: glibc's default, files and dns
		if libcAgrees(conf, func() []byte { b, _ := os.ReadFile(hosts); return b }, host) {
			return "", errLibcAgrees
		}
		out, err := exec.CommandContext(ctx, "hostname", "-i").Output()
		return string(out), err
	}
}

// Resolve tries, in order: the CONTAINER_IP environment variable, the IPv4
// address the host name resolves to (if not loopback), `hostname -i` (5 s
// timeout, first non-loopback IPv4; DefaultResolver's only when libc may
// resolve the host name otherwise than Go's resolver), and the first non-loopback IPv4 of an
// interface that is up. IPv6 is looked up alongside, best effort, never
// loopback or link-local. An empty IPv4 means nothing was found. These
// are host-wide: RouteSources finds a target's own.
func (r Resolver) Resolve() SourceIPs {
	src, _ := r.resolve()
	return src
}

// resolve is Resolve; pinned reports that the IPv4 address is
// CONTAINER_IP's, which no route overrides.
func (r Resolver) resolve() (src SourceIPs, pinned bool) {
	var hostAddrs []string
	if r.Getenv != nil {
		if v, err := ParseContainerIP(r.Getenv(ContainerIPEnv)); err == nil {
			src.IPv4, pinned = v, v != ""
		}
	}
	var host string
	if r.Hostname != nil && r.LookupHost != nil {
		if h, err := r.Hostname(); err == nil && h != "" {
			host = h
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			hostAddrs, _ = r.LookupHost(ctx, h)
			cancel()
			if src.IPv4 == "" {
				src.IPv4 = firstUsable(hostAddrs, true)
			}
		}
	}
	var fields []string
	if r.HostnameI != nil && src.IPv4 == "" {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		out, err := r.HostnameI(ctx, host)
		cancel()
		if err == nil {
			fields = strings.Fields(out)
			src.IPv4 = firstUsable(fields, true)
		}
	}
	var ifaddrs []string
	if r.InterfaceAddrs != nil {
		if as, err := r.InterfaceAddrs(); err == nil {
			for _, a := range as {
				ifaddrs = append(ifaddrs, a.String())
			}
		}
		if src.IPv4 == "" {
			src.IPv4 = firstUsable(ifaddrs, true)
		}
	}
	for _, cand := range [][]string{hostAddrs, fields, ifaddrs} {
		if src.IPv6 = firstUsable(cand, false); src.IPv6 != "" {
			break
		}
	}
	return src, pinned
}

// firstUsable returns the first address of the wanted family that is not
// loopback, link-local or unspecified.
func firstUsable(addrs []string, v4 bool) string {
	for _, s := range addrs {
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			continue
		}
		if a.Is4In6() {
			a = a.Unmap()
		}
		if a.Is4() != v4 || a.IsLoopback() || a.IsLinkLocalUnicast() || a.IsUnspecified() || a.IsMulticast() {
			continue
		}
		return a.WithZone("").String()
	}
	return ""
}

func upInterfaceAddrs() ([]netip.Addr, error) {
	ifs, err := net.Interfaces()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, ifc := range ifs {
		if ifc.Flags&net.FlagUp == 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			if n, ok := a.(*net.IPNet); ok {
				if ip, ok := netip.AddrFromSlice(n.IP); ok {
					out = append(out, ip.Unmap())
				}
			}
		}
	}
	if len(out) == 0 {
		return nil, errNotFound
	}
	return out, nil
}
