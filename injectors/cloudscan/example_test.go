package cloudscan_test

import (
	"fmt"
	"strings"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/injectors/cloudscan"
)

// Registering cloudscan with the version the user agent carries, and
// listing its parameters.
func Example() {
	r := framework.NewRegistry()
	r.Register("cloudscan", func() framework.Executor { return cloudscan.New(cloudscan.WithVersion("1.0.0")) })

	ex, _ := r.New("cloudscan")
	m := ex.(framework.Manifester).Manifest()
	fmt.Println(m.Name, m.Category)
	for _, p := range m.Params {
		fmt.Println(strings.TrimSpace(fmt.Sprintf("%s (%s) %s", p.Name, p.Type, p.Default)))
	}
	// Output:
	// cloudscan cloud
	// profile (string)
	// endpoint_url (string)
	// call_timeout (duration) 30s
	// retry_max_attempts (int) 3
	// retry_max_backoff (duration) 20s
	// concurrency (int) 4
	// access_key_max_age_days (int) 90
}
