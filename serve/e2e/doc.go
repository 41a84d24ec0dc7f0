// Package e2e holds the end-to-end tests of `injectkit serve`: several
// built binaries consuming one queue of a real RabbitMQ broker and
// reporting to an OpenAEV platform stand-in, scaled out and crashed. It has
// no API.
package e2e
