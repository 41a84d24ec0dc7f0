package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/testkit"
	"github.com/injectkit/injectkit/openaev"
	"github.com/injectkit/injectkit/openaev/openaevtest"
	"github.com/injectkit/injectkit/transport/transporttest"
)

// Helpers of platform_test.go: the injectkit binary against the strict
// OpenAEV stand-in, as the platform would see it.

const (
	platformToken      = "strict-platform-token-4be1d2"
	platformInjectorID = "3f1e9d2c-8b7a-4c6d-9e5f-0a1b2c3d4e5f"
	awsAccount         = "123456789012"
	awsSecretKey       = "injectkitTestSecretKey/0000000000000000000"
)

// referenceInjectors are the injectors of this command's registry, sorted.
var referenceInjectors = []string{"cloudscan", "nmap", "noop", "query"}

// currentOnlyOutputs are the output types 2.4.0 does not know.
var currentOnlyOutputs = []string{"file", "expectation_signature", "action_output"}

// platformFor starts a strict stand-in of version v, in legacy ingestion
// mode when legacy is set.
func platformFor(t *testing.T, v openaevtest.Version, legacy bool) *openaevtest.Platform {
	t.Helper()
	return openaevtest.NewPlatform(t, platformToken, openaevtest.WithVariant(v, legacy))
}

// registerContracts registers the contracts of every reference injector on
// p, for p's version, through the public client, as a deployment of this
// command would have before the platform dispatched any inject.
func registerContracts(t *testing.T, p *openaevtest.Platform) {
	t.Helper()
	r := registry(version)
	var manifests []framework.Manifest
	for _, name := range r.Names() {
		ex, err := r.New(name)
		if err != nil {
			t.Fatal(err)
		}
		m, ok := ex.(framework.Manifester)
		if !ok {
			t.Fatalf("%s has no manifest", name)
		}
		manifests = append(manifests, m.Manifest())
	}
	c, err := openaev.NewClient(openaev.Config{URL: p.URL, Token: platformToken, InjectorID: platformInjectorID})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := c.Register(ctx, manifests, false); err != nil {
		t.Fatalf("register the reference contracts: %v", err)
	}
	for _, name := range referenceInjectors {
		if _, ok := p.ContractOutputs(openaev.ContractID(name)); !ok {
			t.Fatalf("contract of %s not registered", name)
		}
	}
}

// platformMessage is a message as the platform queues it for an injector.
func platformMessage(injectID, injector string, content map[string]any, assets []map[string]any) string {
	return string(openaevtest.Message(openaevtest.QueuedInject{ID: injectID, Title: injector + " from the platform",
		ContractID: openaev.ContractID(injector), Content: content, Assets: assets}))
}

// expectations is inject_content.expectations of the given types.
func expectations(types ...string) []map[string]any {
	out := make([]map[string]any, 0, len(types))
	for _, et := range types {
		out = append(out, map[string]any{"expectation_type": et, "expectation_name": et, "expectation_score": 100})
	}
	return out
}

// awsEnv gives the binary fixed credentials and keeps it away from the
// user's AWS configuration and the instance metadata service.
func awsEnv(t *testing.T) []string {
	dir := t.TempDir()
	env := []string{
		"AWS_ACCESS_KEY_ID=AKIAINJECTKITTEST001",
		"AWS_SECRET_ACCESS_KEY=" + awsSecretKey,
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "credentials"),
	}
	for _, k := range []string{"AWS_SESSION_TOKEN", "AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION",
		"AWS_ENDPOINT_URL", "AWS_MAX_ATTEMPTS", "AWS_RETRY_MODE", "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI", "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"} {
		env = append(env, k+"=")
	}
	return env
}

// awsStandIn answers, on loopback, the two calls of a cloudscan of
// target_service ec2 (query protocol): STS GetCallerIdentity (account
// awsAccount) and EC2 DescribeSecurityGroups (one group open to the world
// on port 22). Any other call is a 400 and recorded.
type awsStandIn struct {
	*transporttest.Backend
}

var credentialService = regexp.MustCompile(`Credential=[^/]+/\d{8}/[^/]+/([^/]+)/aws4_request`)

// awsCall names the call of a request: service:Action.
func awsCall(h http.Header, body []byte) string {
	service := ""
	if m := credentialService.FindStringSubmatch(h.Get("Authorization")); m != nil {
		service = m[1]
	}
	form, _ := url.ParseQuery(string(body))
	return service + ":" + form.Get("Action")
}

func newAWSStandIn(t *testing.T) awsStandIn {
	return awsStandIn{transporttest.NewBackendFunc(t, func(_ int, w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "text/xml")
		switch awsCall(r.Header, body) {
		case "sts:GetCallerIdentity":
			_, _ = w.Write([]byte(stsIdentity))
		case "ec2:DescribeSecurityGroups":
			_, _ = w.Write([]byte(ec2Groups))
		default:
			w.WriteHeader(http.StatusBadRequest)
			_, _ = w.Write([]byte(`<Response><Errors><Error><Code>InvalidAction</Code><Message>not served by the stand-in</Message></Error></Errors></Response>`))
		}
	})}
}

// calls returns the calls made, service:Action, in order.
func (s awsStandIn) calls() []string {
	var out []string
	for _, r := range s.Requests() {
		out = append(out, awsCall(r.Header, r.Body))
	}
	return out
}

const stsIdentity = `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/injectkit-scanner</Arn>
  <UserId>AIDASAMPLEUSERID1234</UserId><Account>123456789012</Account></GetCallerIdentityResult>
  <ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata>
</GetCallerIdentityResponse>`

const ec2Groups = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>5a3b1c2d-1111-4a5b-9c8d-0123456789ab</requestId>
  <securityGroupInfo><item>
    <ownerId>123456789012</ownerId><groupId>sg-0a1b2c3d4e5f60001</groupId><groupName>bastion</groupName>
    <groupDescription>ssh from anywhere</groupDescription><vpcId>vpc-0123456789abcdef0</vpcId>
    <ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><groups/>
      <ipRanges><item><cidrIp>0.0.0.0/0</cidrIp></item></ipRanges><ipv6Ranges/><prefixListIds/></item></ipPermissions>
    <ipPermissionsEgress/>
  </item></securityGroupInfo>
</DescribeSecurityGroupsResponse>`

// startDaemon starts `injectkit serve` of the built binary against the
// platform at url.
func startDaemon(t *testing.T, url string, env ...string) *testkit.Process {
	t.Helper()
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(append(os.Environ(),
		"CONTAINER_IP=172.17.0.2",
		"XDG_STATE_HOME="+t.TempDir(), // its outbox, never the user's
		"INJECTKIT_OPENAEV_URL="+url,
		"INJECTKIT_TOKEN="+platformToken,
		"INJECTKIT_INJECTOR_ID="+platformInjectorID,
		"INJECTKIT_LISTEN_ADDR=127.0.0.1:0",
		"INJECTKIT_SHUTDOWN_TIMEOUT=20s",
		"INJECTKIT_LOG_FORMAT=json",
	), env...)
	return testkit.Start(t, cmd)
}

// scenario is how one case runs its injector: the environment, the inject
// file or the platform message, and what the platform must store.
type scenario struct {
	env       []string
	inject    map[string]any   // --inject-file (modeProfile)
	content   map[string]any   // inject_content (modeMessage)
	assets    []map[string]any // the message's assets
	asset     string           // asset the signatures are attached to
	agent     string           // agent the signatures are attached to
	signature string           // one DETECTION signature stored on the current line, "type=value"; "" for none
	target    string           // the target as its per-target trace names it
	check     func(t *testing.T, v openaevtest.Version, findings map[string]any)
}

// checkQueryFindings: cves are objects naming the host and the asset,
// matched addresses an ipv4 list (text on 2.4.0).
func checkQueryFindings(t *testing.T, v openaevtest.Version, f map[string]any) {
	t.Helper()
	cves, _ := f["cves"].([]any)
	var ids []string
	for _, x := range cves {
		cve, ok := x.(map[string]any)
		if !ok {
			t.Errorf("cve %v is not an object", x)
			continue
		}
		id, _ := cve["id"].(string)
		ids = append(ids, id)
		if !strings.Contains(fmt.Sprint(cve["asset_id"]), "asset-1") || fmt.Sprint(cve["host"]) == "" {
			t.Errorf("cve %v does not name asset-1 and its host", cve)
		}
	}
	if !slices.Contains(ids, "CVE-2021-41773") {
		t.Errorf("cves %v lack CVE-2021-41773", ids)
	}
	// Both lines know ipv4: one finding per address.
	want := any([]any{"127.0.0.1"})
	if fmt.Sprint(f["matched_ips"]) != fmt.Sprint(want) {
		t.Errorf("matched_ips %#v, want %#v", f["matched_ips"], want)
	}
}

// checkTargetTraces checks the per-target traces among calls: one INFO
// command_execution trace per asset of assets, in order, whose
// execution_context_identifiers name that asset alone and whose message
// starts with prefix, what ran where and its outcome ("nmap on
// 127.0.0.1: succeeded"); no other call carries
// execution_context_identifiers.
func checkTargetTraces(t *testing.T, calls []openaevtest.Call, prefix string, assets []string) {
	t.Helper()
	var got []string
	for _, c := range calls {
		ids, ok := c.Body["execution_context_identifiers"]
		if !ok {
			continue
		}
		list, _ := ids.([]any)
		msg, _ := c.Body["execution_message"].(string)
		if c.Kind != openaevtest.KindTrace || len(list) != 1 || c.Body["execution_status"] != "INFO" ||
			c.Body["execution_action"] != "command_execution" || !strings.HasPrefix(msg, prefix) {
			t.Errorf("per-target trace %s %v", c.Kind, c.Body)
			continue
		}
		got = append(got, fmt.Sprint(list[0]))
	}
	if !slices.Equal(got, assets) {
		t.Errorf("per-target traces about %v, want %v", got, assets)
	}
}

// callbackFront starts a front, closed with the test, to the platform at
// target, for the tests that kill a run mid-callback: each callback
// (/execution/callback/) goes to intercept with its body, which answers
// it (or holds it) and reports true, or reports false to let it pass;
// every other call passes. intercept may pass the call on itself through
// platform; the request's body is left to be read again.
func callbackFront(t *testing.T, target string, intercept func(w http.ResponseWriter, r *http.Request, body []byte, platform http.Handler) bool) string {
	t.Helper()
	proxy := testkit.ReverseProxy(t, target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if strings.Contains(r.URL.Path, "/execution/callback/") && intercept(w, r, body, proxy) {
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// killWhen kills cmd, started, with SIGKILL once ready is closed, then
// reaps it; when a minute passes first, it kills it and fails t, saying
// the run never did what it waited for ("the run never " + did).
func killWhen(t *testing.T, cmd *exec.Cmd, ready <-chan struct{}, did string) {
	t.Helper()
	select {
	case <-ready:
	case <-time.After(time.Minute):
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatal("the run never " + did)
	}
	_ = cmd.Process.Signal(os.Kill)
	_ = cmd.Wait()
}
