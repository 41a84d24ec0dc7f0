// Command openaev-standin serves the strict OpenAEV platform stand-in of
// package openaevtest on a loopback port, for benchmarks and manual runs of
// the openaev profile that must not reach a real platform:
//
//	go run ./openaev/openaevtest/cmd/openaev-standin -url-file /tmp/oaev.url \
//	  -register noop -inject bench-openaev-001 &
//	injectkit run --openaev-message msg.json --backend-url "$(cat /tmp/oaev.url)" --token standin-token
//	kill %1    # prints the stats as one JSON line
//
// -max-message-size sets the max_message_size of the platform's broker
// (default 16777216, RabbitMQ 4.x's): a callback whose queued message is
// larger is answered 200, then dropped, as the platform's broker drops it.
//
// -ingest-every sets how often the platform's batch worker processes the
// callbacks it answered 200 and holds (default 10s, 2.4.0's
// worker-frequency; at once when 200 are held): until then the inject's
// status, traces and findings show nothing of them, and the stats count
// them as queued. -ingest-every 0 processes each callback before its
// answer, as the legacy ingestion does (the benchmark scripts use it to
// read the outcome right after a run).
//
// -pending-threshold sets the platform's inject.execution.threshold.minutes
// (default 10m, 2.4.0's; 0: no sweep): every minute, an inject left
// PENDING for longer since its dispatch (its creation, or its publish) is
// finalized without a result, ERROR, as 2.4.0's pending sweep does
// (openaevtest's rule 17), with a COMPLETE TIMEOUT trace for each primary
// agent of a published message's assets and asset groups' endpoints; a
// "complete" sent afterwards is still saved (PARTIAL beside those traces).
//
// -dev-features sets the platform's openaev.enabled-dev-features: the
// stand-in stores expectation signatures only with SIGNATURE_OUTPUT_PROCESSOR
// (its default) or "*" among them; -dev-features "" models the real
// platform's default, which ignores them. Both lines list the features in
// enabled_dev_features; -version 2.4.0 drops those its line lacks
// (SIGNATURE_OUTPUT_PROCESSOR), as that platform does.
//
// It creates the injects named by -inject (of the contract of the injector
// -contract-of names), registers the contracts of the injectors -register
// names and of those the -manifest files describe (so that the platform
// knows their declared outputs and processes their findings and
// signatures, as after a `serve` registration), defines the asset groups
// of the -asset-groups file, then writes its base URL to -url-file.
//
// -manifest FILE registers a third-party binary's injector: FILE is what
// `BINARY injectors NAME -o json` prints (or `BINARY injectors -o json`,
// every injector of the binary), repeatable; an injector given twice (by
// -register or another -manifest) exits 2. The listing gives every part
// of the contract serve registers (its attack patterns and its outputs'
// labels included), but domains by name: the platform's own domains get
// their colours, another name the colour of "To classify".
//
// -contract-of must name a built-in injector (-register's) or one of the
// -manifest files': another exits 2, as the results of its injects could
// match no contract. An inject cannot exist on the platform without its
// contract: with -inject, a built-in injector -contract-of names (noop by
// default) is registered as -register registers it when neither -register
// nor a -manifest gives it. Of a third-party binary, as the guide
// (docs/writing-an-injector.md, section 8) runs it:
//
//	bin/hello injectors hello -o json > hello.json
//	go run ./openaev/openaevtest/cmd/openaev-standin -url-file /tmp/oaev.url \
//	  -manifest hello.json -contract-of hello -inject inj-hello-1 &
//	bin/hello run hello --inject-file hello-inject.json --profile openaev \
//	  --backend-url "$(cat /tmp/oaev.url)" --token standin-token
//
// -amqp URL names the platform's RabbitMQ broker, on loopback
// (amqp://guest:guest@127.0.0.1:5672/): each registration then declares
// its injector's queue there, openaev_injector_<id>, as the platform does
// (durable, classic, bound to the exchange openaev_amqp.connector.exchange
// with the routing key openaev_push_routing_<id>), and its reply names
// that broker and queue, so that `injectkit serve` consumes it; the
// stand-in's own setup registration (-register, -manifest, -contract-of)
// declares none. POST /injects/{id}/publish on the -stats-url-file server
// then publishes the platform's message for inject id (its body the
// message's other parts, each optional: {"inject_content": {...},
// "assets": [...], "assetGroups": [...]}) on the queue of the injector
// first linked to the inject's contract, as the platform does (the first
// to register it after the setup's registration, which links none:
// Platform.Unlink; the stand-in then
// holds the message's assets, as the platform holds those it sends: a
// finding names them to be linked to them), and answers the
// exchange, routing key and queue (an inject published before is launched
// again first, as 2.4.0's POST /api/atomic_testings/{id}/launch does: a
// new status, its traces and findings gone): 404 for an inject the stand-in does not
// know, 409 before an injector's registration declared the contract (start
// serve first) or without -amqp. A manual serve, as the guide
// (docs/writing-an-injector.md, section 8) runs it:
//
//	bin/openaev-standin -url-file /tmp/oaev.url -stats-url-file /tmp/oaev-stats.url \
//	  -amqp amqp://guest:guest@127.0.0.1:5672/ -inject inj-serve-1 &
//	bin/injectkit serve --openaev-url "$(cat /tmp/oaev.url)" --token standin-token \
//	  --injector-id 7c1d3e5f-0a2b-4c6d-8e9f-1a2b3c4d5e6f --injectors noop &
//	curl -X POST "$(cat /tmp/oaev-stats.url)/injects/inj-serve-1/publish" \
//	  -d '{"inject_content": {"target_selector": "manual", "targets": "127.0.0.1"}}'
//	curl "$(cat /tmp/oaev-stats.url)/injects/inj-serve-1"
//
// -asset-groups names a JSON file mapping each asset group id to its
// endpoints, as POST /api/endpoints/targets pages them (the fields of
// 2.4.0's EndpointTargetOutput; asset_id required):
//
//	{"g-servers": [{"asset_id": "s1", "endpoint_hostname": "web01",
//	                "endpoint_ips": ["192.0.2.1"], "endpoint_seen_ip": "198.51.100.7",
//	                "asset_agents": [{"agent_id": "ag1", "agent_active": true}]}],
//	 "g-empty": []}
//
// A message's asset-groups inject then gets those endpoints, each an asset
// the stand-in holds; a group the
// file does not define gets an empty page, as the platform answers one it
// does not know. An unknown key, a value of the wrong type, a blank id or
// a group given twice exits 2 naming the file, its line and the key or
// value, before the stand-in starts. The platform's calls are summed up
// (openaevtest.Stats, counting only the calls after that setup): on
// GET /stats of the -stats-url-file server, and as one JSON line on stdout
// when SIGTERM or SIGINT stops it. What the platform made of them is on
// the same server, read-only: GET /injects lists the injects it knows,
// GET /injects/{id} gives one's status, traces, findings rows (with the
// assets the stand-in holds that they name), callbacks by kind and outcome, and the signatures stored per
// agent, asset or asset group, each stored how often (openaevtest.Held).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
	"github.com/injectkit/injectkit/internal/cmdkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
)

// standinInjectorID is the injector id of the stand-in's own registration.
const standinInjectorID = "0e0b6c4e-5f7a-4d7e-9a0e-6b1f2c3d4e5f"

func main() {
	cmdkit.Main("openaev-standin", func(ctx context.Context) error { return run(ctx, os.Args[1:], os.Stdout, os.Stderr) })
}

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

Flags:
`)
		fs.PrintDefaults()
	}
	fs.StringVar(&s.token, "token", "standin-token", "the bearer token the platform accepts")
	fs.StringVar(&s.urlFile, "url-file", "", "write the platform's base URL (http://127.0.0.1:PORT) to this file once ready")
	fs.StringVar(&s.statsFile, "stats-url-file", "", "serve, on another loopback port whose URL is written to this file, "+
		"GET /stats (the calls summed up), GET /injects (the injects), GET /injects/{id} (what the platform holds for one) "+
		"and, with -amqp, POST /injects/{id}/publish (the platform's message for an inject put on its injector's queue)")
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

func builtinRegistry() *framework.Registry {
	r := framework.NewRegistry()
	builtin.Register(r)
	return r
}

// run serves the stand-in until ctx ends, then prints its stats to stdout.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	s, err := parse(args, stderr)
	if err != nil {
		return err
	}
	manifests, err := manifestsOf(builtinRegistry(), s.register)
	if err != nil {
		return cmdkit.UsageError{Err: err}
	}
	for _, file := range s.manifests {
		listed, err := readManifests(file)
		if err != nil {
			return cmdkit.UsageError{Err: err}
		}
		for _, m := range listed {
			if slices.ContainsFunc(manifests, func(o framework.Manifest) bool { return o.Name == m.Name }) {
				return cmdkit.UsageError{Err: fmt.Errorf("-manifest %s: injector %q given twice (by -register or another -manifest): give it once", file, m.Name)}
			}
			manifests = append(manifests, m)
		}
	}
	var b *broker
	if s.amqp != "" {
		if b, err = parseBroker(s.amqp, standinInjectorID); err != nil {
			return cmdkit.UsageError{Err: err}
		}
	}
	if err := knownInjector(s.contractOf, manifests); err != nil {
		return cmdkit.UsageError{Err: err}
	}
	if len(s.injects) > 0 && !slices.ContainsFunc(manifests, func(m framework.Manifest) bool { return m.Name == s.contractOf }) {
		// An inject cannot exist on the platform without its contract:
		// the built-in injector -contract-of names is registered as
		// -register registers it.
		own, err := manifestsOf(builtinRegistry(), []string{s.contractOf})
		if err != nil {
			return cmdkit.UsageError{Err: err}
		}
		manifests = append(manifests, own...)
	}
	var groups []assetGroup
	if s.assetGroups != "" {
		if groups, err = readAssetGroups(s.assetGroups); err != nil {
			return cmdkit.UsageError{Err: err}
		}
	}
	opts := []openaevtest.Option{openaevtest.WithMaxMessageSize(s.maxMessage), openaevtest.WithIngestEvery(s.ingestEvery),
		openaevtest.WithPendingThreshold(s.pendingThreshold)}
	if s.version != "" {
		if _, err := openaevtest.Classify(s.version); err != nil {
			return cmdkit.UsageError{Err: fmt.Errorf("-version %q: %w", s.version, err)}
		}
		opts = append(opts, openaevtest.WithVersionString(s.version))
	}
	if s.devFeatures != nil {
		opts = append(opts, openaevtest.WithDevFeatures(s.devFeatures...))
	}
	brokerShown := "none"
	if b != nil {
		if err := b.check(); err != nil {
			return err
		}
		opts = append(opts, openaevtest.WithQueueDeclarer(b))
		brokerShown = b.shown()
	}
	p, stopPlatform := openaevtest.Start(s.token, opts...)
	defer stopPlatform()
	if b != nil {
		p.SetBroker(b.reply())
	}
	if len(manifests) > 0 {
		if err := register(ctx, p.URL, s.token, manifests); err != nil {
			return err
		}
		// The platform holds the contracts; the first deployment to
		// register them (serve) is the injector their injects go to.
		p.Unlink(standinInjectorID)
	}
	contract := openaev.ContractID(s.contractOf)
	for _, id := range s.injects {
		p.AddInject(id, contract)
	}
	byGroup := map[string][]map[string]any{}
	for _, g := range groups {
		p.SetAssetGroup(g.id, g.endpoints...)
		byGroup[g.id] = g.endpoints
	}
	base := p.CallCount() // the setup's calls are not counted
	if s.pendingThreshold > 0 {
		stopSweep := sweepEveryMinute(p)
		defer stopSweep()
	}

	if s.statsFile != "" {
		stopStats, err := serveStats(p, base, s.statsFile, b, byGroup)
		if err != nil {
			return err
		}
		defer stopStats()
	}
	if s.urlFile != "" {
		if err := cmdkit.WriteFile(s.urlFile, p.URL); err != nil {
			return err
		}
	}
	shown := p.Version().String()
	if s.version != "" && s.version != shown {
		shown = s.version + ", modelled as " + shown // the class of the version given
	}
	features := strings.Join(p.DevFeatures(), ",")
	if features == "" {
		features = "none: expectation signatures not stored"
	}
	fmt.Fprintf(stderr, "openaev stand-in on %s (%d injects, %d asset groups, version %s, dev features %s, broker %s)\n",
		p.URL, len(s.injects), len(groups), shown, features, brokerShown)
	<-ctx.Done()
	return json.NewEncoder(stdout).Encode(p.StatsFrom(base))
}
