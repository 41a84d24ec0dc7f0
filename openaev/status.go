package openaev

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// InjectStatus reads the status of inject id on the platform:
// GET /api/injects/{id}, its inject_status.status_name ("" when the
// inject has no status yet). Failures are an *APIError (a 404 when the
// inject does not exist or the token lacks the rights on it: the platform
// answers both alike) or ErrDryRun.
func (c *Client) InjectStatus(ctx context.Context, injectID string) (string, error) {
	if err := checkInjectID(injectID); err != nil {
		return "", err
	}
	if c.dry != nil {
		return "", ErrDryRun
	}
	reply, err := c.do(ctx, request{op: "inject status", method: http.MethodGet,
		path: "/injects/" + url.PathEscape(injectID), injectID: injectID})
	if err != nil {
		return "", err
	}
	var doc struct {
		Status *struct {
			Name string `json:"status_name"`
		} `json:"inject_status"`
	}
	if err := json.Unmarshal(reply, &doc); err != nil {
		return "", fmt.Errorf("inject %s status: %w", injectID, err)
	}
	if doc.Status == nil {
		return "", nil
	}
	return strings.TrimSpace(doc.Status.Name), nil
}

// InjectFinished asks the platform whether inject id has finished: its
// status (InjectStatus) and whether that is a final one (Finished). An
// error means the status could not be read, and finished is false then:
// serve runs a redelivered message of such an inject, and `injectkit run`
// its inject, saying so. A dry-run client answers ErrDryRun.
func (c *Client) InjectFinished(ctx context.Context, injectID string) (status string, finished bool, err error) {
	status, err = c.InjectStatus(ctx, injectID)
	return status, err == nil && Finished(status), err
}

// Finished reports whether an inject status is a final one: anything but
// QUEUING, EXECUTING, PENDING, DRAFT and "" (no status yet). The platform
// sets a finished inject back to PENDING on a new reception, then
// completes it a second time: a redelivered message of a finished inject
// must not run.
func Finished(status string) bool {
	switch strings.ToUpper(strings.TrimSpace(status)) {
	case "", "QUEUING", "EXECUTING", "PENDING", "DRAFT":
		return false
	}
	return true
}
