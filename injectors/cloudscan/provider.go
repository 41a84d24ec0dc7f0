package cloudscan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/injectkit/injectkit/signatures"
	"go.uber.org/zap"
)

// provider scans one cloud. The executor opens one session per inject and
// provider; a session proves whose credentials it holds before any check.
// Adding gcp or azure means implementing these two interfaces.
type provider interface {
	// services lists the services the provider checks, in run order.
	services() []string
	// global reports whether a service is account-wide: it is checked once
	// per inject and partition, whatever the number of regions.
	global(service string) bool
	// partition names the partition of the cloud region belongs to: a
	// separate set of accounts, credentials and global endpoints. Identity
	// is proved, and global services checked, once per partition.
	partition(region string) string
	// badAccount returns why id cannot be one of the cloud's account ids, or
	// "" when it can: such a target could never match the credentials.
	badAccount(id string) string
	// badRegion returns why name cannot be one of the cloud's regions, or
	// "" when it can: the SDK would otherwise build an endpoint host from
	// it.
	badRegion(name string) string
	// open resolves credentials (from the host's settings s) and prepares
	// the clients of one inject, their endpoint s's. It makes no API call.
	// What the cloud's SDK logs goes to log.
	open(ctx context.Context, log *zap.Logger, p *Params, s hostSettings, version string) (session, error)
}

// session is one inject's view of a provider. Calls are attributed through
// the recorder carried by ctx (see withRecorder).
type session interface {
	// accountID returns the id of the account the credentials belong to.
	accountID(ctx context.Context, region string) (string, error)
	// check runs one service's check in region, of account (the one
	// accountID proved).
	check(ctx context.Context, service, region, account string) *CheckResult
	// regionRefusal returns the code with which region refused the
	// credentials that another region took (an opt-in region the account
	// has not enabled), "" when it did not: its checks make no call, and
	// no trail of the account logs the calls made there. sessionToken
	// says that the credentials held a session token, which an enabled
	// region refuses as well when it is one the region does not take.
	regionRefusal(region string) (code string, sessionToken bool)
}

// providerSet maps provider names to providers.
type providerSet map[string]provider

func (s providerSet) names() []string {
	names := make([]string, 0, len(s))
	for n := range s {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// validate checks that c names a supported provider and service.
func (s providerSet) validate(c signatures.CloudConfig) error {
	p, ok := s[c.CloudProvider]
	if !ok {
		return &signatures.ValidationError{Field: "cloud_provider", Value: c.CloudProvider,
			Reason: "unsupported cloud provider (supported: " + strings.Join(s.names(), ", ") + ")"}
	}
	if reason := p.badAccount(c.CloudAccountID); reason != "" {
		return &signatures.ValidationError{Field: "cloud_account_id", Value: c.CloudAccountID, Reason: reason}
	}
	if reason := p.badRegion(c.CloudRegion); reason != "" {
		return &signatures.ValidationError{Field: "cloud_region", Value: c.CloudRegion, Reason: reason}
	}
	if c.TargetService == "" {
		return nil
	}
	for _, svc := range p.services() {
		if svc == c.TargetService {
			return nil
		}
	}
	return &signatures.ValidationError{Field: "target_service", Value: c.TargetService,
		Reason: fmt.Sprintf("unsupported %s service (supported: %s)", c.CloudProvider, strings.Join(p.services(), ", "))}
}

// AccountMismatchError reports credentials that belong to another account
// than the configuration targets. Nothing but the identity call was made.
type AccountMismatchError struct {
	Provider string
	Want     string // the configuration's cloud_account_id
	Got      string // the account the credentials belong to
}

func (e *AccountMismatchError) Error() string {
	return fmt.Sprintf("%s credentials belong to account %s, not to cloud_account_id %s: no check run",
		e.Provider, e.Got, e.Want)
}
