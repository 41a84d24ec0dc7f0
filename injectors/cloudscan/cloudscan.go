package cloudscan

import (
	"time"

	"github.com/injectkit/injectkit/framework"
)

// Name is the injector's registered name.
const Name = "cloudscan"

// DefaultVersion is the version the user agent carries unless WithVersion
// sets another: "injectkit/dev".
const DefaultVersion = "dev"

// Executor is the cloudscan injector. Build it with New; it is safe for
// concurrent use.
type Executor struct {
	version   string
	providers providerSet
	settings  hostSettings // see Configure
}

// Interface guards.
var (
	_ framework.Executor         = (*Executor)(nil)
	_ framework.Manifester       = (*Executor)(nil)
	_ framework.ParamsFactory    = (*Executor)(nil)
	_ framework.TargetsValidator = (*Executor)(nil)
)

// Option configures an Executor.
type Option func(*Executor)

// WithVersion sets the version the user agent carries ("injectkit/<v>").
// An empty v keeps DefaultVersion.
func WithVersion(v string) Option {
	return func(e *Executor) {
		if v != "" {
			e.version = v
		}
	}
}

// withClock sets the clock access key ages are measured with (tests).
func withClock(now func() time.Time) Option {
	return func(e *Executor) { e.providers["aws"] = awsProvider{now: now, term: &terminal{}} }
}

// New returns an Executor configured by opts.
func New(opts ...Option) *Executor {
	e := &Executor{version: DefaultVersion, providers: providerSet{"aws": awsProvider{now: time.Now, term: &terminal{}}}}
	for _, o := range opts {
		o(e)
	}
	return e
}

// Version returns the version the user agent carries.
func (e *Executor) Version() string { return e.version }

// NewParams returns a *Params filled with the defaults.
func (e *Executor) NewParams() any { return defaultParams() }

// Manifest documents the injector.
func (e *Executor) Manifest() framework.Manifest {
	return framework.Manifest{
		Name:     Name,
		Category: framework.Cloud,
		Description: "Read-only cloud posture scan (aws: s3, ec2, iam). Proves the credentials' account " +
			"with sts:GetCallerIdentity before any check and reports the API calls it made as CloudTrail names them.",
		Params:   framework.MustParamsSpec(e.NewParams()),
		Settings: settingsSpec(),
		// The credentials the SDK reads from the environment on its own
		// (config.NewEnvConfig, the container provider's token) and from
		// the shared files for the profile it takes (readSecrets): a param
		// given one is withheld, as a Secret setting's value. The access
		// key id is an identifier.
		SecretEnv: []string{"AWS_SECRET_ACCESS_KEY", "AWS_SECRET_KEY", "AWS_SESSION_TOKEN",
			"AWS_CONTAINER_AUTHORIZATION_TOKEN"},
		ReadSecrets:  readSecrets,
		Expectations: []framework.ExpectationType{framework.Detection, framework.Prevention},
		// The structured results (configs) have no platform output type:
		// they stay in the findings, and the platform is given one readable
		// line per finding.
		Outputs: []framework.Output{
			{Type: "text", Field: FieldFindingsSummary, Labels: []string{"cloud", "posture"}, Multiple: true, Finding: true},
		},
		// A cloud scan runs on no endpoint platform: none is declared.
		Platforms:      nil,
		AttackPatterns: []string{"T1580", "T1526", "T1619"},
		Domains:        []framework.Domain{framework.DomainCloud},
		SecurityPlatforms: map[framework.ExpectationType][]string{
			framework.Detection:  {framework.SecuritySIEM, framework.SecurityXDR},
			framework.Prevention: {framework.SecuritySIEM, framework.SecurityXDR},
		},
	}
}

// withProvider registers p under name (tests, and the seam for new clouds).
func withProvider(name string, p provider) Option {
	return func(e *Executor) { e.providers[name] = p }
}
