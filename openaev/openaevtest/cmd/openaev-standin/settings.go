package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// settings are the command's flags.
type settings struct {
	token, urlFile, statsFile, version, contractOf string
	injects, register                              []string
	// manifests are the -manifest files.
	manifests []string
	// assetGroups is the -asset-groups file, "" for none.
	assetGroups string
	// devFeatures is -dev-features, when given (nil: the stand-in's
	// default, SIGNATURE_OUTPUT_PROCESSOR).
	devFeatures []string
	// maxMessage is -max-message-size, the broker's max_message_size.
	maxMessage int
	// amqp is -amqp, the platform's broker, "" for none.
	amqp string
	// ingestEvery is -ingest-every, the platform's worker frequency.
	ingestEvery time.Duration
	// pendingThreshold is -pending-threshold, the pending sweep's (0: no
	// sweep).
	pendingThreshold time.Duration
	// tenants is -tenants, when given (nil: the token's user a member of
	// every tenant).
	tenants []string
	// attackPatterns are -attack-patterns, the external ids of the attack
	// patterns the platform holds.
	attackPatterns []string
	// legacy is -legacy-ingestion, staleDispatch -stale-dispatch.
	legacy, staleDispatch bool
}

func parse(args []string, stderr io.Writer) (settings, error) {
	var s settings
	fs := flag.NewFlagSet("openaev-standin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: openaev-standin [flags]

Serves the strict OpenAEV platform stand-in on a loopback port; SIGTERM or SIGINT prints its calls summed up.
To try serve by hand, give -amqp (a loopback broker: each registration declares its injector's queue there)
and -stats-url-file, start serve against -url-file's URL, then publish an -inject's message on serve's queue:
  curl -X POST STATS_URL/injects/ID/publish -d '{"inject_content": {"target_selector": "manual", "targets": "127.0.0.1"}}'
and read what the platform made of it: curl STATS_URL/injects/ID (docs/writing-an-injector.md, section 8).
Without a broker, POST STATS_URL/injects/ID/message (the same body) answers the message instead, dispatching
the inject as a publish does, for injectkit run --openaev-message.

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&s.token, "token", "standin-token", "the bearer token the platform accepts")
	fs.StringVar(&s.urlFile, "url-file", "", "write the platform's base URL (http://127.0.0.1:PORT) to this file once ready")
	fs.StringVar(&s.statsFile, "stats-url-file", "", "serve, on another loopback port whose URL is written to this file, "+
		"GET /stats (the calls summed up), GET /injects (the injects), GET /injects/{id} (what the platform holds for one) "+
		"and, with -amqp, POST /injects/{id}/publish (the platform's message for an inject put on its injector's queue); "+
		"POST /injects/{id}/message answers that message instead, without a broker; POST /token (its body the new token) renews the platform's token, "+
		"the one before refused from then on (401), as a user's renewal makes it")
	fs.StringVar(&s.amqp, "amqp", "", "the platform's RabbitMQ broker, a loopback amqp:// URL (amqp://guest:guest@127.0.0.1:5672/): "+
		"each registration declares its injector's queue there, "+queueOf("ID")+", as the platform does, and names it")
	fs.StringVar(&s.version, "version", "", "the platform version to report and model (default: the current line)")
	fs.StringVar(&s.contractOf, "contract-of", "noop", "the injector whose contract the -inject injects are of: "+
		"one a -manifest gives, or a built-in injector, then registered as -register registers it")
	fs.StringVar(&s.assetGroups, "asset-groups", "", "a JSON file defining asset groups: "+
		`{"GROUP_ID": [{"asset_id": "ID", "endpoint_hostname": "web01", "endpoint_ips": ["192.0.2.1"], `+
		`"endpoint_seen_ip": "…", "asset_agents": [{"agent_id": "…"}]}, …], …}`)
	fs.IntVar(&s.maxMessage, "max-message-size", openaevtest.DefaultMaxMessageSize,
		"the max_message_size of the platform's broker, in bytes: a callback whose queued message is larger is answered 200, then dropped")
	fs.DurationVar(&s.ingestEvery, "ingest-every", openaevtest.DefaultIngestEvery,
		"how often the platform's worker processes the callbacks it answered 200 and holds (2.4.0's worker-frequency); "+
			"0: each is processed before its answer (the legacy ingestion, or a worker already run)")
	fs.DurationVar(&s.pendingThreshold, "pending-threshold", openaevtest.DefaultPendingThreshold,
		"the platform's inject.execution.threshold.minutes: every minute, an inject left PENDING for longer since its dispatch "+
			"(its creation, or its publish) is finalized without a result, ERROR, as 2.4.0's pending sweep does; 0: no sweep")
	fs.BoolVar(&s.legacy, "legacy-ingestion", false, "the platform's LEGACY_INGESTION_EXECUTION_TRACE path: each callback "+
		"processed before its answer, a complete on an inject that is not PENDING answered 409")
	fs.BoolVar(&s.staleDispatch, "stale-dispatch", false, "each publish loses 2.4.0's dispatch race: its stale copy of the "+
		"status is saved after the inject's reception, which it overwrites (EXECUTING again; the package doc's rule 21)")
	fs.Func("attack-patterns", "the external ids of the attack patterns the platform holds, as after its ATT&CK import "+
		"(repeatable, or comma-separated): a registered contract keeps only those it names, case aside; "+
		"default none, a fresh platform's (GET STATS_URL/contracts/ID says what a contract kept)", func(v string) error {
		s.attackPatterns = append(s.attackPatterns, splitList(v)...)
		return nil
	})
	fs.Func("inject", "an inject to create (repeatable, or comma-separated)", func(v string) error {
		s.injects = append(s.injects, splitList(v)...)
		return nil
	})
	fs.Func("register", "injectors whose contracts to register (repeatable, or comma-separated; known: "+
		strings.Join(builtinRegistry().Names(), ", ")+")", func(v string) error {
		s.register = append(s.register, splitList(v)...)
		return nil
	})
	// Back-quoted text in a usage is the flag's argument name: FILE.
	fs.Func("manifest", "a `FILE` holding the manifest of an injector to register, as \"BINARY injectors NAME -o json\" prints it "+
		"(or \"BINARY injectors -o json\", a list): a third-party binary's injector (repeatable)", func(v string) error {
		s.manifests = append(s.manifests, v)
		return nil
	})
	fs.Func("dev-features", "the platform's openaev.enabled-dev-features, comma-separated (\"*\": all; \"\": none, "+
		"the real platform's default, which stores no expectation signatures; default "+openaevtest.SignatureOutputProcessor+")",
		func(v string) error {
			s.devFeatures = []string{}
			for _, f := range splitList(v) {
				if !openaevtest.KnownDevFeature(f) {
					return fmt.Errorf("%q is not a preview feature of the platform", f)
				}
				s.devFeatures = append(s.devFeatures, f)
			}
			return nil
		})
	fs.Func("tenants", "the tenants the token's user is a member of, comma-separated (repeatable; \"\": none): a request "+
		"on the path of another (/api/tenants/{tenant}/…, serve's --tenant) is refused 403 TENANT_ACCESS_DENIED, as 2.4.0's "+
		"TenantInterceptor refuses it (default: a member of every tenant)", func(v string) error {
		s.tenants = append([]string{}, append(s.tenants, splitList(v)...)...)
		return nil
	})
	if err := fs.Parse(args); err != nil {
		return s, cmdkit.UsageError{Err: err}
	}
	if fs.NArg() > 0 {
		return s, cmdkit.UsageError{Err: fmt.Errorf("unexpected argument %q", fs.Arg(0))}
	}
	if s.ingestEvery < 0 {
		return s, cmdkit.UsageError{Err: fmt.Errorf("-ingest-every %s: must not be negative", s.ingestEvery)}
	}
	if s.pendingThreshold < 0 {
		return s, cmdkit.UsageError{Err: fmt.Errorf("-pending-threshold %s: must not be negative", s.pendingThreshold)}
	}
	if s.maxMessage < 1 {
		return s, cmdkit.UsageError{Err: fmt.Errorf("-max-message-size %d: must be a positive number of bytes", s.maxMessage)}
	}
	return s, nil
}

func splitList(v string) []string {
	var out []string
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
