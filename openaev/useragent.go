package openaev

// WithProduct sets the User-Agent header to "<product>/<version>" (default
// "injectkit/dev"): a binary built on injectkit names itself. product must
// be an HTTP token: letters, digits and !#$%&'*+-.^_`|~, no space or slash.
func WithProduct(product, version string) Option {
	return func(c *Client) { c.userAgent = product + "/" + version }
}
