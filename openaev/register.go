package openaev

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"strconv"
	"strings"

	"go.uber.org/zap"

	"github.com/injectkit/injectkit/framework"
	"github.com/injectkit/injectkit/internal/httpx"
	"github.com/injectkit/injectkit/serve"
)

// Registration is the platform's reply to a registration: the broker to
// connect to and the queue to consume. Consume exactly Listen; never build a
// queue name.
type Registration struct {
	Connection Connection `json:"connection"`
	Listen     string     `json:"listen"`
}

// Connection is the RabbitMQ broker the platform hands out. Pass is a
// secret: it is never printed (String, GoString).
type Connection struct {
	Host   string `json:"host"`
	VHost  string `json:"vhost"`
	UseSSL bool   `json:"use_ssl"`
	Port   int    `json:"port"`
	User   string `json:"user"`
	Pass   string `json:"pass"`
}

// Broker is the connection as serve dials it.
func (c Connection) Broker() serve.Broker {
	return serve.Broker{Host: c.Host, Port: c.Port, VHost: c.VHost, User: c.User, Pass: c.Pass, TLS: c.UseSSL}
}

// String is the broker as every log line and error shows it
// (serve.Broker's String: no user, no password), so that printing a
// Connection (or a Registration) never shows the password.
func (c Connection) String() string { return c.Broker().String() }

// GoString is String: %#v does not show the password either.
func (c Connection) GoString() string { return c.String() }

// URL returns the AMQP URI of the broker (amqp:// or amqps://), with the
// user and password. It holds the password: never log it.
func (c Connection) URL() string {
	scheme := "amqp"
	if c.UseSSL {
		scheme = "amqps"
	}
	u := url.URL{Scheme: scheme, User: url.UserPassword(c.User, c.Pass), Host: net.JoinHostPort(c.Host, strconv.Itoa(c.Port))}
	vhost := c.VHost
	if vhost == "" {
		vhost = "/"
	}
	// The vhost is the path's one segment, escaped ("/" is %2F).
	u.RawPath = "/" + url.PathEscape(vhost)
	u.Path = "/" + vhost
	return u.String()
}

// registrationInput is the multipart "input" part.
type registrationInput struct {
	InjectorID   string     `json:"injector_id"`
	InjectorName string     `json:"injector_name"`
	InjectorType string     `json:"injector_type"`
	Contracts    []Contract `json:"injector_contracts"`
}

// RegistrationInput returns the JSON of the registration's "input" part
// for manifests and a platform of version v, as Register sends it.
func (c *Client) RegistrationInput(manifests []framework.Manifest, v PlatformVersion) ([]byte, error) {
	if c.cfg.InjectorID == "" {
		return nil, &ValidationError{Field: "injector_id", Reason: "required to register"}
	}
	if len(manifests) == 0 {
		return nil, &ValidationError{Field: "manifests", Reason: "at least one injector is required to register"}
	}
	contracts, err := c.Contracts(manifests, v)
	if err != nil {
		return nil, err
	}
	return json.Marshal(registrationInput{
		InjectorID:   c.cfg.InjectorID,
		InjectorName: c.cfg.InjectorName,
		InjectorType: c.cfg.InjectorType,
		Contracts:    contracts,
	})
}

// MaxIconSize bounds Config.Icon: 1 MiB. The platform takes up to its
// multipart limit (5 GB in 2.4.0) and stores the part as the injector's
// icon whatever it holds, to be shown at icon size in every list of
// injectors; the platform's own injectors' icons weigh a few KiB.
const MaxIconSize = 1 << 20

// pngSignature opens every PNG file.
const pngSignature = "\x89PNG\r\n\x1a\n"

// CheckIcon checks an icon for Config.Icon: a PNG image (its 8-byte
// signature) of at most MaxIconSize bytes. The platform checks only the
// part's declared content type and stores anything else as a broken icon.
// A bad icon is a *ValidationError on field icon.
func CheckIcon(b []byte) error {
	switch {
	case len(b) > MaxIconSize:
		return &ValidationError{Field: "icon", Reason: fmt.Sprintf("larger than the %d bytes (1 MiB) an icon may hold", MaxIconSize)}
	case !bytes.HasPrefix(b, []byte(pngSignature)):
		return &ValidationError{Field: "icon", Reason: "not a PNG image (no PNG signature)"}
	}
	return nil
}

// MaxIconObjectName is the most bytes of the name the platform stores an
// injector's icon under, <injector_type>.png: OpenAEV 2.4.0 uploads the
// icon to its object store (InjectorService.registerExternalInjector,
// FileService.uploadFile) as <tenant>/injectors/images/<injector_type>.png
// (FileService.INJECTORS_IMAGES_BASE_PATH, MinioService.getTenantPath),
// and MinIO, the store the platform ships with, keeps an object as a
// directory of that name on its drives, refusing a path segment of more
// than 255 characters itself (checkPathLength) and the file system one of
// more than 255 bytes (NAME_MAX): XMinioInvalidObjectName, which the
// handler wraps in a RuntimeException, a 500 for the whole registration.
// A type of 252 bytes or more (its 255 characters of up to 4 bytes each
// fit the injectors table) is refused so with an icon; the key, prefixed
// by the tenant's UUID and /injectors/images/ (58 bytes in all), is then
// far under S3's 1024 bytes.
const MaxIconObjectName = 255

// iconObjectName is why an injector type is refused with an icon, or "".
func iconObjectName(typ string) string {
	if n := len(typ) + len(".png"); n > MaxIconObjectName {
		return fmt.Sprintf("is %d bytes, too long to name its icon: the platform stores the icon as the object "+
			"…/injectors/images/<injector_type>.png, whose name of %d bytes its object store (MinIO) refuses past %d: "+
			"the registration would fail (give a shorter type, or no icon)", len(typ), n, MaxIconObjectName)
	}
	return ""
}

// typeSegment is why an injector type is refused as one segment of a URL
// path, or "": the platform's web UI shows an injector's icon (in its
// lists of injects, contracts and integrations) from
// /api/images/injectors/<injector_type>, the type written as it is
// (2.4.0's InjectIcon.tsx, ConnectorContext.ts), which its route
// (DocumentApi.getInjectorImage) takes as one segment, and the platform
// stores the icon as …/injectors/images/<injector_type>.png. A "/"
// splits the type into segments that route to no icon (or, after "..",
// to another injector's), "?" and "#" end the path there, a "%" is read
// as an escape, and "\" and ";" are refused by its HTTP firewall (400);
// a dot segment is resolved away by the browser, and names no object
// MinIO stores (XMinioInvalidObjectName: a registration with an icon
// fails, a 500).
func typeSegment(typ string) string {
	if typ == "." || typ == ".." {
		return "a dot segment: the platform's web UI writes the type in the URL path of the injector's icon " +
			"(/api/images/injectors/<injector_type>), where it names the folder above, and stores the icon as <injector_type>.png"
	}
	if i := strings.IndexAny(typ, `/\?#%;`); i >= 0 {
		return fmt.Sprintf("holds %q at byte %d: the platform's web UI writes the type, as it is, in the URL path of the "+
			"injector's icon (/api/images/injectors/<injector_type>, one path segment), which would name no icon or another "+
			"injector's (leave out / \\ ? # %% ;)", typ[i:i+1], i)
	}
	return ""
}

// Register registers (or, called again, heartbeats) the injector with one
// contract per manifest: a multipart POST to /api/injectors whose "input"
// part is the registration JSON and, when withIcon is true and Config.Icon
// is set, whose "icon" part is the PNG. The contracts depend on the
// platform's version (see Version, read before the first registration).
// It returns the broker and queue of the reply, which must name a queue.
// Failures are an *APIError (retried like every request) or a
// *ValidationError for a bad configuration or a manifest value the
// platform would refuse, found before anything is sent.
func (c *Client) Register(ctx context.Context, manifests []framework.Manifest, withIcon bool) (*Registration, error) {
	reg, _, err := c.register(ctx, manifests, withIcon)
	return reg, err
}

// register is Register, and reports whether the registration's request
// was sent more than once: an attempt failed (the platform unreachable or
// failing, maybe restarting as another version), so that the version read
// before it may be stale.
func (c *Client) register(ctx context.Context, manifests []framework.Manifest, withIcon bool) (_ *Registration, retried bool, _ error) {
	// What no platform version accepts fails before any request.
	input, err := c.RegistrationInput(manifests, PlatformVersion{Current: true})
	if err != nil {
		return nil, false, err
	}
	v, verr := c.version(ctx)
	if verr != nil && c.dry == nil {
		// A platform takes any contract and judges its outputs only when
		// it processes a result: contracts of the wrong line would have
		// every result dropped. Not final: the next try reads the version
		// again.
		return nil, false, fmt.Errorf("%w: %w", errVersionUnknown, verr)
	}
	if !v.Current {
		if input, err = c.RegistrationInput(manifests, v); err != nil {
			return nil, false, err
		}
	}
	if c.dry != nil {
		if err := c.printDry(c.apiPath+"/injectors", input); err != nil {
			return nil, false, err
		}
		return nil, false, ErrDryRun
	}
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="input"`)
	h.Set("Content-Type", "application/json")
	pw, err := mw.CreatePart(h)
	if err == nil {
		_, err = pw.Write(input)
	}
	if err == nil && withIcon && len(c.cfg.Icon) > 0 {
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", fmt.Sprintf(`form-data; name="icon"; filename=%q`, c.cfg.InjectorType+".png"))
		h.Set("Content-Type", "image/png")
		if pw, err = mw.CreatePart(h); err == nil {
			_, err = pw.Write(c.cfg.Icon)
		}
	}
	if err == nil {
		err = mw.Close()
	}
	if err != nil {
		return nil, false, fmt.Errorf("build registration: %w", err)
	}
	reply, err := c.do(ctx, request{op: "registration", path: "/injectors", contentType: mw.FormDataContentType(), body: buf.Bytes(),
		before: func(_ context.Context, n, _ int) error {
			retried = retried || n > 1
			return nil
		}, retrying: func(err error) { serve.NoteRetry(ctx, err) }})
	var ae *APIError
	if err != nil && !errors.As(err, &ae) && ctx.Err() != nil {
		// ctx ended (the caller's time limit, say) during the request:
		// named as a request that failed is.
		return nil, retried, fmt.Errorf("registration: Post %q: %w", httpx.MaskURL(c.base+"/injectors"), err)
	}
	if err != nil && ae != nil && ae.Status == http.StatusUnauthorized {
		// 401: the platform does not know the token (or got none).
		return nil, retried, fmt.Errorf("%s: %w", c.unknownToken(), err)
	}
	if err != nil && ae != nil && ae.Status == http.StatusForbidden && c.cfg.Tenant != "" && tenantDenied(ae.Body) {
		// 2.4.0's TenantInterceptor: the token's user is no member of the
		// tenant the path names, before any right is looked at.
		return nil, retried, fmt.Errorf("the platform refuses tenant %q to the token (status 403, TENANT_ACCESS_DENIED: its user is "+
			"no member of that tenant, or it does not exist): check the tenant setting (--tenant, INJECTKIT_TENANT or the config "+
			"file's tenant): %w", c.cfg.Tenant, err)
	}
	if err != nil && ae != nil && ae.Status == http.StatusForbidden {
		// The platform took the token (a token it does not know is a
		// 401), and refuses its user the registration: 2.4.0's
		// @AccessControl(CREATE, INJECTOR) on POST /api/injectors.
		return nil, retried, fmt.Errorf("the token lacks the right to register injectors (status 403: its user needs "+
			"the CREATE right on INJECTOR, an admin's or a role that grants it): %w", err)
	}
	if err != nil && ae != nil && ae.Status == http.StatusRequestEntityTooLarge {
		// 2.4.0's Tomcat counts the input part, no file, as a form
		// parameter against its maxPostSize (openaevtest.MaxFormPostSize).
		return nil, retried, fmt.Errorf("the platform refuses the registration as too large (status 413): its input part is %d bytes "+
			"for %d contracts, and OpenAEV's web server takes at most 2 MiB of a form part by default (Tomcat's maxPostSize, "+
			"server.tomcat.max-http-form-post-size): register fewer injectors (--injectors), or smaller manifests (fewer or shorter "+
			"params, labels and choices), or raise that setting on the platform: %w", len(input), len(manifests), err)
	}
	if err != nil {
		return nil, retried, err
	}
	var reg Registration
	if err := json.Unmarshal(reply, &reg); err != nil {
		return nil, retried, fmt.Errorf("registration reply: %w", err)
	}
	if strings.TrimSpace(reg.Listen) == "" {
		return nil, retried, errors.New("registration reply: no queue to listen on (listen is empty)")
	}
	c.log.Debug("registered", zap.String("injector_id", c.cfg.InjectorID), zap.Int("contracts", len(manifests)),
		zap.String("queue", reg.Listen), zap.Stringer("broker", reg.Connection), zap.Bool("icon", withIcon && len(c.cfg.Icon) > 0))
	return &reg, retried, nil
}

// tenantDenied reports whether a 403's body is the platform's refusal of
// the tenant the path names, {"message":"TENANT_ACCESS_DENIED"}
// (RestBehavior.handleTenantAccessDeniedException).
func tenantDenied(body string) bool {
	var reply struct {
		Message string `json:"message"`
	}
	return json.Unmarshal([]byte(body), &reply) == nil && reply.Message == "TENANT_ACCESS_DENIED"
}
