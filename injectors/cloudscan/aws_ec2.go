package cloudscan

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

// ec2API is the part of the EC2 client the check reads with.
type ec2API interface {
	DescribeSecurityGroups(context.Context, *ec2.DescribeSecurityGroupsInput, ...func(*ec2.Options)) (*ec2.DescribeSecurityGroupsOutput, error)
}

// ec2PageSize is how many security groups a DescribeSecurityGroups page
// asks for: EC2's most. Without MaxResults EC2 answers every group of the
// region at once, however many (Amazon EC2 API Reference,
// DescribeSecurityGroups: MaxResults), one answer that call_timeout
// bounds whole; in pages, each is a call of its own.
const ec2PageSize = 1000

// checkEC2 reports the region's security-group ingress rules open to the
// whole IPv4 or IPv6 internet.
func checkEC2(ctx context.Context, c ec2API) *CheckResult {
	res := newCheckResult()
	p := ec2.NewDescribeSecurityGroupsPaginator(c, &ec2.DescribeSecurityGroupsInput{MaxResults: aws.Int32(ec2PageSize)},
		func(o *ec2.DescribeSecurityGroupsPaginatorOptions) { o.StopOnDuplicateToken = true })
	var groups []ec2types.SecurityGroup
	next := func(page *ec2.DescribeSecurityGroupsOutput) *string { return page.NextToken }
	if err := eachPage(ctx, p, next, func(page *ec2.DescribeSecurityGroupsOutput) {
		groups = append(groups, page.SecurityGroups...)
	}); err != nil {
		res.fail("DescribeSecurityGroups", err)
	}
	// A page read twice lists its groups twice.
	for _, sg := range uniqueBy(groups, func(sg ec2types.SecurityGroup) string { return aws.ToString(sg.GroupId) }) {
		res.Findings = append(res.Findings, assessSecurityGroup(sg)...)
	}
	return res
}

// assessSecurityGroup returns one finding per ingress rule open to
// 0.0.0.0/0 or ::/0.
func assessSecurityGroup(sg ec2types.SecurityGroup) []Finding {
	var out []Finding
	for _, perm := range sg.IpPermissions {
		var cidrs []string
		for _, r := range perm.IpRanges {
			if aws.ToString(r.CidrIp) == "0.0.0.0/0" {
				cidrs = append(cidrs, "0.0.0.0/0")
				break
			}
		}
		for _, r := range perm.Ipv6Ranges {
			if aws.ToString(r.CidrIpv6) == "::/0" {
				cidrs = append(cidrs, "::/0")
				break
			}
		}
		if len(cidrs) == 0 {
			continue
		}
		proto, ports, sev, reason := classifyRule(aws.ToString(perm.IpProtocol), perm.FromPort, perm.ToPort)
		what := proto + " " + ports
		if proto == "all" {
			what = "all traffic"
		}
		out = append(out, Finding{
			Kind: KindEC2OpenIngress, Resource: aws.ToString(sg.GroupId), Severity: sev,
			Reasons:   []string{fmt.Sprintf("ingress %s open to %s: %s", what, strings.Join(cidrs, ", "), reason)},
			GroupName: aws.ToString(sg.GroupName), Protocol: proto, PortRange: ports, CIDRs: cidrs,
		})
	}
	return out
}

// highRiskPort names the ports whose exposure is high severity: remote
// administration and common databases.
func highRiskPort(port int32) (string, bool) {
	switch port {
	case 22:
		return "ssh", true
	case 3389:
		return "rdp", true
	case 1433:
		return "mssql", true
	case 1521:
		return "oracle", true
	case 3306:
		return "mysql", true
	case 5432:
		return "postgresql", true
	case 5984:
		return "couchdb", true
	case 6379:
		return "redis", true
	case 9042:
		return "cassandra", true
	case 9200:
		return "elasticsearch", true
	case 11211:
		return "memcached", true
	case 27017:
		return "mongodb", true
	}
	return "", false
}

// classifyRule names a rule's protocol and port range and rates it:
// every protocol or every port is high, a range holding SSH, RDP or a
// common database port is high, ICMP is low, anything else is medium.
// EC2 writes protocols as names ("tcp") or numbers ("6"); "-1" is all.
func classifyRule(protocol string, from, to *int32) (proto, ports, severity, reason string) {
	switch strings.ToLower(protocol) {
	case "-1", "all":
		return "all", "all", SeverityHigh, "all protocols and ports"
	case "tcp", "6":
		proto = "tcp"
	case "udp", "17":
		proto = "udp"
	case "icmp", "1":
		proto = "icmp"
	case "icmpv6", "58":
		proto = "icmpv6"
	default:
		proto = strings.ToLower(protocol)
	}
	if proto == "icmp" || proto == "icmpv6" {
		t, c := aws.ToInt32(from), aws.ToInt32(to)
		switch {
		case from == nil || t == -1:
			return proto, "all", SeverityLow, "all " + proto + " types"
		case c == -1 || to == nil:
			return proto, "type " + strconv.Itoa(int(t)), SeverityLow, proto + " reachable"
		}
		return proto, fmt.Sprintf("type %d code %d", t, c), SeverityLow, proto + " reachable"
	}
	if proto != "tcp" && proto != "udp" {
		// Protocols without ports (gre, esp, a number): the whole protocol.
		return proto, "all", SeverityHigh, "protocol " + proto + " open on every port"
	}
	lo, hi := int32(0), int32(65535)
	if from != nil && *from >= 0 {
		lo = *from
	}
	if to != nil && *to >= 0 {
		hi = *to
	}
	if lo > hi {
		lo, hi = hi, lo
	}
	if lo <= 0 && hi >= 65535 {
		return proto, "0-65535", SeverityHigh, "all ports"
	}
	ports = strconv.Itoa(int(lo))
	if hi != lo {
		ports += "-" + strconv.Itoa(int(hi))
	}
	var hits []string
	// highRiskPort's domain, in ascending order.
	for _, p := range [...]int32{22, 1433, 1521, 3306, 3389, 5432, 5984, 6379, 9042, 9200, 11211, 27017} {
		if p >= lo && p <= hi {
			name, _ := highRiskPort(p)
			hits = append(hits, fmt.Sprintf("%s (%d)", name, p))
		}
	}
	if len(hits) > 0 {
		return proto, ports, SeverityHigh, "exposes " + strings.Join(hits, ", ")
	}
	return proto, ports, SeverityMedium, "exposes ports " + ports
}
