package openaevtest

import (
	"net/http"
	"strings"
	"unicode/utf16"
)

// The endpoints the asset-group search answers (rule 10), 2.4.0 read
// (openaev-api …/rest/asset/endpoint/EndpointApi.java:155-166, …/service/
// EndpointService.java:226-266; openaev-model …/database/specification/
// EndpointSpecification.java:17-36): POST /api/endpoints/targets runs
// searchManagedEndpoints, whose specification keeps an endpoint without
// agents (findAgentlessEndpoints) or one that a LEFT JOIN on its agents
// finds a primary agent for, agent_parent and agent_inject null
// (findEndpointsForInjection, GROUP BY the endpoint's id). An endpoint
// whose agents are all Caldera's implants (a child of another agent, or
// an inject's own) is no target. Its count query (Spring Data's, made of
// the same specification: GROUP BY endpoint, count per group, summed by
// SimpleJpaRepository.executeCountQuery) counts an endpoint once per
// primary agent, an agentless one once; Spring Data asks it for a full
// page or an empty later one (pageCounted). Each row is
// EndpointTargetOutput (EndpointMapper.toEndpointTargetOutput): every
// agent of the endpoint, primary or not, as AgentOutput writes it,
// without agent_parent or agent_inject. The stand-in reads an endpoint's
// agents from its asset_agents, each primary unless it has a non-null
// agent_parent or agent_inject, which it does not answer.

// targets answers the targets search: the managed endpoints of the
// asset groups its filter names, each once, sorted and paged (paging.go).
func (p *Platform) targets(c *Call) (int, string, []byte) {
	q, page, size, bad := readSearch(c)
	if bad != "" {
		return fail(http.StatusBadRequest, bad)
	}
	want := map[string]bool{}
	for _, f := range q.FilterGroup.Filters {
		if f.Key == "assetGroups" {
			for _, v := range f.Values {
				want[v] = true
			}
		}
	}
	p.mu.Lock()
	var all []map[string]any
	seen := map[any]bool{}
	for _, id := range p.order {
		if !want[id] {
			continue
		}
		for _, a := range managed(p.groups[id]) {
			if key := a["asset_id"]; key != nil {
				if seen[key] {
					continue
				}
				seen[key] = true
			}
			all = append(all, a)
		}
	}
	p.mu.Unlock()
	sortable := endpointSortsCurrent
	if p.version == Version24 {
		sortable = endpointSorts
	}
	all, bad = ordered(p, all, q.Sorts, sortable, endpointText)
	if bad != "" {
		return fail(http.StatusBadRequest, bad)
	}
	counted := 0
	for _, e := range all {
		counted += agentRows(e)
	}
	r := p.orderRand()
	for i, e := range all {
		all[i] = shuffleAgents(TargetOutput(e), r) // a set of agents (order.go)
	}
	return pageCounted(all, page, size, counted)
}

// endpointAgents returns the agents of endpoint e (asset_agents), each
// an object.
func endpointAgents(e map[string]any) []map[string]any {
	var out []map[string]any
	switch list := e["asset_agents"].(type) {
	case []any:
		for _, a := range list {
			if m, ok := a.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case []map[string]any:
		out = list
	}
	return out
}

// primary reports an agent AgentUtils.isPrimaryAgent takes: no parent,
// no inject.
func primary(agent map[string]any) bool {
	return agent["agent_parent"] == nil && agent["agent_inject"] == nil
}

// agentRows is how many rows of the search's agents join endpoint e
// keeps: 1 for an agentless endpoint, else its primary agents.
func agentRows(e map[string]any) int {
	agents := endpointAgents(e)
	if len(agents) == 0 {
		return 1
	}
	n := 0
	for _, a := range agents {
		if primary(a) {
			n++
		}
	}
	return n
}

// managed returns the endpoints of a group the targets search returns:
// those agentRows keeps a row of.
func managed(group []map[string]any) []map[string]any {
	var out []map[string]any
	for _, e := range group {
		if agentRows(e) > 0 {
			out = append(out, e)
		}
	}
	return out
}

// TargetOutput returns endpoint e, a row of an asset group or an asset
// of a message, as 2.4.0 writes it in both (EndpointTargetOutput, from
// EndpointMapper.toEndpointTargetOutput; the message's assets through
// ExecutableInjectDTOMapper): its agents without agent_parent and
// agent_inject (AgentOutput has neither), and its endpoint_ips as
// EndpointMapper.setIps and the set holding them leave them (javaIPs);
// its asset_ips too, the current line's name of them (Asset.java), which
// the current EndpointMapper sanitizes alike. Its endpoint_hostname
// (asset_hostname) is lower-cased, as the platform stores it (javaLower).
// e itself is left as it is.
func TargetOutput(e map[string]any) map[string]any {
	out := make(map[string]any, len(e))
	for k, v := range e {
		out[k] = v
	}
	for _, k := range []string{"endpoint_hostname", "asset_hostname"} {
		if h, ok := e[k].(string); ok {
			out[k] = javaLower(h)
		}
	}
	for _, k := range []string{"endpoint_ips", "asset_ips"} {
		if ips, ok := e[k]; ok && ips != nil {
			out[k] = javaIPs(ips)
		}
	}
	agents := endpointAgents(e)
	marked := false
	for _, a := range agents {
		_, parent := a["agent_parent"]
		_, inject := a["agent_inject"]
		marked = marked || parent || inject
	}
	if !marked {
		return out
	}
	list := make([]any, len(agents))
	for i, a := range agents {
		c := make(map[string]any, len(a))
		for k, v := range a {
			if k != "agent_parent" && k != "agent_inject" {
				c[k] = v
			}
		}
		list[i] = c
	}
	out["asset_agents"] = list
	return out
}

// javaLower is s as 2.4.0 stores an endpoint's hostname: Endpoint
// .setHostname's String.toLowerCase() (openaev-model …/database/model/
// Endpoint.java:190-192), which every path writing one calls (the
// endpoint form, EndpointService.java:567, 864; agents' registration;
// imports, MapperService.java:593; migration V3_66 lower-cased the rows
// before it), in a JVM's default locale that is not Turkish: Go's
// strings.ToLower, but U+0130 (İ), which Java lowers to "i" and a
// combining dot. (Java's final sigma, ς at a word's end, is not
// modelled: no host name holds one.)
func javaLower(s string) string {
	return strings.ToLower(strings.ReplaceAll(s, "\u0130", "i\u0307"))
}

// badIPs are Endpoint.BAD_IP_ADDRESSES (openaev-model …/database/model/
// Endpoint.java:28-29): addresses the platform never writes among an
// endpoint's.
var badIPs = set("127.0.0.1", "::1", "169.254.0.0")

// javaIPs returns the strings of ips as 2.4.0 writes an endpoint's
// endpoint_ips: EndpointMapper.setIps lower-cases them (String
// .toLowerCase), leaves out badIPs and repeats (distinct), and
// toEndpointTargetOutput puts them in a HashSet (new HashSet<>(
// Arrays.asList(…))), which Jackson writes in its iteration order
// (javaHashSetOrder). A value that is no string is left out.
func javaIPs(ips any) []string {
	var in []string
	switch list := ips.(type) {
	case []any:
		for _, v := range list {
			if s, ok := v.(string); ok {
				in = append(in, s)
			}
		}
	case []string:
		in = list
	}
	seen := map[string]bool{}
	var kept []string
	for _, ip := range in {
		ip = strings.ToLower(ip)
		if badIPs[ip] || seen[ip] {
			continue
		}
		seen[ip] = true
		kept = append(kept, ip)
	}
	return javaHashSetOrder(kept)
}

// javaHashSetOrder returns distinct strings in the order Java's
// HashSet(Collection) iterates them: a table of the least power of two
// at least max(len/0.75+1, 16) buckets (no resize while it is filled),
// each string in bucket (h ^ h>>>16) & (buckets-1) of its String.hashCode
// h, buckets in order, each in the order its strings were added. (Eight
// or more strings in one bucket would make the table grow instead: an
// endpoint's addresses never collide so.)
func javaHashSetOrder(in []string) []string {
	want := max(int(float32(len(in))/0.75)+1, 16)
	n := 1
	for n < want {
		n <<= 1
	}
	buckets := make([][]string, n)
	for _, s := range in {
		h := javaStringHash(s)
		i := int((h ^ h>>16) & uint32(n-1))
		buckets[i] = append(buckets[i], s)
	}
	out := make([]string, 0, len(in))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}

// javaStringHash is Java's String.hashCode: s[0]*31^(n-1) + … + s[n-1]
// over its UTF-16 code units, in 32 bits.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, u := range utf16.Encode([]rune(s)) {
		h = 31*h + uint32(u)
	}
	return h
}
