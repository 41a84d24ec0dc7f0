package cloudscan_test

import (
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
)

// Registering cloudscan with the version the user agent carries, and
// listing its parameters, then its settings: where requests go and whose
// credentials sign them are the host's choice, not the inject's.
func Example() {
	r := framework.NewRegistry()
	r.Register("cloudscan", func() framework.Executor { return cloudscan.New(cloudscan.WithVersion("1.0.0")) })

	ex, _ := r.New("cloudscan")
	m := ex.(framework.Manifester).Manifest()
	fmt.Println(m.Name, m.Category)
	for _, p := range m.Params {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s (%s) %s", p.Name, p.Type, p.Default)))
	}
	for _, s := range m.Settings {
		fmt.Printf("setting %s.%s, env %s\n", m.Name, s.Key, s.Env)
	}
	// Output:
	// cloudscan cloud
	// call_timeout (duration) 30s
	// retry_max_attempts (int) 3
	// retry_max_backoff (duration) 20s
	// concurrency (int) 4
	// access_key_max_age_days (int) 90
	// setting cloudscan.endpoint_url, env INJECTKIT_CLOUDSCAN_ENDPOINT_URL
	// setting cloudscan.profile, env INJECTKIT_CLOUDSCAN_PROFILE
}
