package doccheck

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/injectkit/injectkit/cli"
	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/builtin"
)

// yamlBlock is a ```yaml block of a document: a config file a reader
// copies.
type yamlBlock struct {
	doc  string
	line int
	text string
}

// yamlBlocks returns the ```yaml blocks of md, each with the line its
// fence stands on.
func yamlBlocks(doc, md string) []yamlBlock {
	var blocks []yamlBlock
	var cur *yamlBlock
	for i, line := range strings.Split(md, "\n") {
		switch {
		case cur == nil && strings.TrimSpace(line) == "```yaml":
			cur = &yamlBlock{doc: doc, line: i + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += line + "\n"
		}
	}
	return blocks
}

// TestYAMLExamplesAreAccepted checks each ```yaml block of the documents
// a reader copies from (README.md, docs/*.md, each injector's README) as
// the config file it shows: validate reads it without an error (every key
// one a command reads, each of run's values valid), serve reads one naming
// openaev_url without an error (its values checked as at a start, which
// stops there: nothing is contacted), and `injectors NAME`
// reads the settings it gives an injector NAME as run NAME checks them, so
// that an example renamed or outgrown in the code cannot stay in a
// document where a newcomer copies it into a file the command refuses
// (exit 2). The block runs in an environment holding what the document
// around it says the reader has: a shared AWS config file whose profile
// names the profile a block's cloudscan.profile gives, with its keys in
// the shared credentials file.
func TestYAMLExamplesAreAccepted(t *testing.T) {
	root := repoRoot(t)
	var blocks []yamlBlock
	for _, path := range readerDocs(t, root) {
		rel, err := filepath.Rel(root, path)
		if err != nil {
			t.Fatal(err)
		}
		blocks = append(blocks, yamlBlocks(rel, string(readRepoFile(t, root, rel)))...)
	}
	if len(blocks) < 3 {
		t.Fatalf("%d ```yaml blocks found in the documents (the README's serve.yaml, cloudscan's and query's settings at least); the reading broke", len(blocks))
	}
	for _, b := range blocks {
		t.Run(b.doc+":"+strconv.Itoa(b.line), func(t *testing.T) {
			for _, err := range yamlExampleErrors(t, b) {
				t.Error(err)
			}
		})
	}
}

// startStopper is a command's stderr that cancels the command once it
// logs that serve is starting: its settings read and checked, serve then
// stops before it asks the platform anything.
type startStopper struct {
	buf    bytes.Buffer
	cancel context.CancelFunc
}

func (w *startStopper) Write(p []byte) (int, error) {
	w.buf.Write(p)
	if bytes.Contains(p, []byte("\tstarting\t")) || bytes.Contains(p, []byte(`"msg":"starting"`)) {
		w.cancel()
	}
	return len(p), nil
}

// yamlExampleErrors runs the commands that read b as a config file and
// returns what each refused.
func yamlExampleErrors(t *testing.T, b yamlBlock) []string {
	t.Helper()
	var top map[string]any
	if err := yaml.Unmarshal([]byte(b.text), &top); err != nil {
		return []string{b.doc + ":" + strconv.Itoa(b.line) + ": not YAML: " + err.Error()}
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(file, []byte(b.text), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"HOME": dir, "AWS_EC2_METADATA_DISABLED": "true"}
	if cs, ok := top["cloudscan"].(map[string]any); ok {
		if p, ok := cs["profile"].(string); ok {
			aws, creds := filepath.Join(dir, "aws-config"), filepath.Join(dir, "aws-credentials")
			if err := os.WriteFile(aws, []byte("[profile "+p+"]\nregion = eu-west-1\n"), 0o600); err != nil {
				t.Fatal(err)
			}
			keys := "[" + p + "]\naws_access_key_id = AKIADOCCHECKEXAMPLE1\naws_secret_access_key = docCheckExampleSecretKey0000000000000000\n"
			if err := os.WriteFile(creds, []byte(keys), 0o600); err != nil {
				t.Fatal(err)
			}
			// cloudscan reads the AWS SDK's variables from the process's
			// environment, as the SDK does, not from cli.Options.Getenv.
			t.Setenv("AWS_CONFIG_FILE", aws)
			t.Setenv("AWS_SHARED_CREDENTIALS_FILE", creds)
		}
	}
	reg := framework.NewRegistry()
	builtin.Register(reg)
	run := func(args ...string) (int, string) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		var stdout bytes.Buffer
		stderr := &startStopper{cancel: cancel}
		code := cli.Run(ctx, cli.Options{Registry: reg, Stdout: &stdout, Stderr: stderr,
			Getenv: func(k string) string { return env[k] }}, append([]string{"injectkit"}, args...))
		return code, stderr.buf.String()
	}
	var errs []string
	if code, stderr := run("validate", "noop", "--target", "127.0.0.1", "--config", file); code != cli.ExitOK {
		errs = append(errs, b.doc+":"+strconv.Itoa(b.line)+": validate with it as the config file exits "+strconv.Itoa(code)+": "+stderr)
	}
	if _, ok := top["openaev_url"]; ok {
		// serve's file: its values checked as at a start, nothing contacted;
		// the token from the environment, as the README keeps it, and no
		// port taken.
		env["INJECTKIT_TOKEN"] = "doccheck-token"
		if code, stderr := run("serve", "--config", file, "--listen-addr", "127.0.0.1:0"); code != cli.ExitOK {
			errs = append(errs, b.doc+":"+strconv.Itoa(b.line)+": serve with it as the config file exits "+strconv.Itoa(code)+": "+stderr)
		}
	}
	for key := range top {
		if !slices.Contains(reg.Names(), key) {
			continue
		}
		if code, stderr := run("injectors", key, "--config", file); code != cli.ExitOK {
			errs = append(errs, b.doc+":"+strconv.Itoa(b.line)+": injectors "+key+" with it as the config file exits "+strconv.Itoa(code)+": "+stderr)
		}
	}
	return errs
}

// TestYAMLExamplesFail proves the check fails where it must: a key no
// command reads, a run value refused, an injector setting refused, a
// param written as a setting, serve's values refused; and passes a
// cloudscan profile the environment gives, as the document says.
func TestYAMLExamplesFail(t *testing.T) {
	for _, text := range []string{
		"backend_ulr: http://127.0.0.1:8080\n",
		"timeout: 010\n",
		"query:\n  request_timeout: abc\n",
		"nmap:\n  ports: 22\n",
		"openaev_url: http://127.0.0.1:8080\ninjector_id: 5b8c6a8e-1f0e-4c39-9a57-0d3c1b2a4f10\nworkers: 5000\n",
		"openaev_url: http://127.0.0.1:8080\ninjector_id: injectkit\n",
	} {
		t.Run(strings.Fields(text)[len(strings.Fields(text))-2], func(t *testing.T) {
			if errs := yamlExampleErrors(t, yamlBlock{doc: "x.md", line: 1, text: text}); len(errs) == 0 {
				t.Errorf("the block %q passes", text)
			}
		})
	}
	if errs := yamlExampleErrors(t, yamlBlock{doc: "x.md", line: 1, text: "cloudscan:\n  profile: audit\n"}); len(errs) != 0 {
		t.Errorf("a cloudscan profile the environment is given fails: %v", errs)
	}
}
