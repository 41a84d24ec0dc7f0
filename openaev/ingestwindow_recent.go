package openaev

import (
	"fmt"
	"time"
)

// RecentCompleteError says that inject id's "complete" was sent Ago ago,
// within the platform's ingestion window, which may not show it yet, or,
// Requeue > 0, within the window and the requeue span after it, for an
// inject the platform finalized without a result (see RecentComplete).
// Ago runs from the start of that complete's attempt (At), the window
// from its end (answered, or given up without an answer): the platform
// may have queued it as late as that.
type RecentCompleteError struct {
	InjectID string
	At       time.Time // when that complete's attempt started (delivered, or attempted)
	Ago      time.Duration
	Window   time.Duration
	Requeue  time.Duration // the requeue span held after the window, or 0
	Until    time.Time     // when the window (and the requeue span) ends
}

func (e *RecentCompleteError) Error() string {
	if e.Requeue > 0 {
		return fmt.Sprintf("inject %s: its complete was sent %s ago, and the platform finalized the inject without a result: "+
			"2.4.0 may hold that complete in its queue still (answered or not), requeuing it %d times before it saves it, up to %s "+
			"after its attempt ended (the ingestion window, %s, and the requeue span, %s)", e.InjectID, e.Ago.Round(time.Millisecond),
			platformRequeues, e.Window+e.Requeue, e.Window, e.Requeue)
	}
	return fmt.Sprintf("inject %s: its complete was sent %s ago, within the platform's ingestion window (%s): the platform may not "+
		"have processed it yet, and shows the inject unfinished until it has", e.InjectID, e.Ago.Round(time.Millisecond), e.Window)
}
