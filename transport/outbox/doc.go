// Package outbox owns the durable store of callback bodies not yet accepted
// by the backend, and their redelivery.
//
// A body is written to the outbox, and the write fsync'd, before its first
// POST; it is removed only once the backend answered 2xx. A body whose
// retries ran out stays pending with its attempt count, last error and the
// time of its next attempt (and how many attempts got no answer once sent,
// the backend perhaps holding the body already: Record.Unanswered, which
// a post of the body gets with EarlierUnanswered); a body the backend
// rejected for good (a 4xx other than 407, 408, 409 and 429, a 501 or 505) moves to the dead list with the status and
// response body, and is never resent unless RetryDead moves it back.
//
// Each record keeps what a resend needs and nothing secret: the inject id,
// phase, chunk index and count, the base URL without user information, the
// body, its SHA-256 and its idempotency key. Bodies are stored compressed
// (they are repetitive JSON, and compressing them costs less than writing
// them whole) and read back byte for byte as they were put; bbolt has no
// page checksums, so a body read back whose SHA-256 is not the recorded one
// is never sent: its record moves to the dead list as corrupt, and so does
// a record whose stored metadata cannot be decoded (listed meanwhile as
// Unreadable, and never blocking the others), or whose fields disagree on
// where its body goes (an idempotency key another inject, phase or chunk
// than its own gives, a URL not under its base URL). The bearer
// token is never stored: a resend uses the token of its own configuration,
// and the tokens (Options.Secrets, or a poster's Redactor) are redacted in
// their raw, JSON-escaped and URL-encoded forms from every error the store
// keeps (last_error, dead_body), returns or logs. Beside the records, the
// file remembers the base URL of every backend a body was stored for or
// moved to, once its bodies are delivered too (Backends: a caller tells a
// backend already flushed from a URL the outbox never held).
//
// # File
//
// The store is one bbolt file, opened with its commits fsync'd; a new
// file is initialised under a temporary name beside it, linked to its
// path once whole, and the directory fsync'd before a body is stored in
// it (create.go). bbolt locks
// the file for one process at a time; Open waits up to Options.Timeout for
// the lock (0: tries it once), except to remove bodies the backend
// accepted, which waits as long as the lock is held (left pending, they
// would be posted again; Close reports an *UnremovedError for a removal
// that failed otherwise, and an *UnwrittenError for the other writes made
// after their callers returned, a note of a complete or a run's end, that
// failed), and because the lock does not tell who holds it, the holder
// writes its pid, command and start time to "<file>.lock" beside it: a
// *LockedError names that process, or, when it has ended, says the record
// is stale. A wait for the lock does not hold the Store's mutex: the
// process's other calls go on, and those that need the file meanwhile join
// the wait in flight (acquire.go); OpenDeferred returns a Store whose file
// another process holds, opened by its first operation that takes the
// lock. The files written beside the outbox (that record, the file of
// attempts below and its rewrite) are created new, mode 0600, once their
// name is removed (sidecar.go): a link, hard link, FIFO or another user's
// file planted at one of their names is never written through or in
// place, and read only when a user who may write the outbox owns them
// (sidecar_trust.go: another user's is left unread, the caller told by
// Options.SidecarIgnored); Exposure says what lets another user control
// an outbox (its owner, mode, directory), for the caller to warn of, and
// CheckFile refuses a dangling link as the outbox's path. A file that is not a bbolt database, or
// whose pages are damaged or cut off (a truncated file: checked against
// the pages its meta pages name before bbolt maps it, and a page read past
// the end of a file cut meanwhile is a recovered fault), is a
// *CorruptError naming it; no operation panics. The file's format mark
// keeps earlier versions from misreading it: a file of format 1 (every
// earlier version's, whose bodies are all read, those stored verbatim by
// the first outbox included) becomes format 2, which they refuse, with the
// first write to it they would misread (a put, see upgradeMark; refused,
// a *HeldByOlderError, while a live process of an earlier version sends
// bodies from it), and a file of a later format is a *NewerFormatError
// (see format.go). The bodies stored are bounded by Options.MaxBytes, counted at their
// full size: a Put that
// would pass it is a *FullError and stores nothing.
//
// bbolt reuses the pages it frees but never gives them back: each time the
// store lets go of the file (Close; in Shared mode, the end of each
// operation) while more than half of it, and at least 8 MiB, is free (when
// it holds no body, pending or dead: more than half of a file of 4 MiB or
// more; not while a send stored whole posts its bodies, see compactIfFree),
// it compacts it: what it holds is copied into a new file beside it, fsync'd
// and renamed over it, the file locked throughout; a crash leaves the old
// file or the new one, each whole. A process that waited for the lock of
// the file replaced opens the new one.
//
// With Options.ReadOnly an existing outbox is opened only to be read (a
// listing on a read-only file system): no lock record, no write; the
// attempts processes that ended left in flight are counted by the next
// opener that writes, and List shows them as it will count them.
//
// With Options.Shared the file is opened for each operation and closed
// after it, so several processes (concurrent `injectkit run`s) can share one
// outbox (a put of many transactions keeps it open from its first to its
// last, letting go while its caller is slow to take the bodies stored; Hold
// keeps it open across operations a caller makes one right after another,
// serve's room check and start record of an inject); a body being delivered carries its owner's pid and start time,
// and the random name of the Store that claimed it (two Stores one
// process opens on one file, a library user's two runtimes, are two
// owners: without it each took the other's bodies for its own, and a body
// went twice), and no other Store resends it while that process lives,
// the Store is open (Close gives back the bodies it holds and is not
// posting, those RetryDead moved back for it included, and refuses a
// claim, a put's transaction included, made once it started, ErrClosed,
// nothing written, waiting for one in flight before it gives back; one
// whose POST is on the wire keeps its lease) and its
// lease runs (Options.Lease, renewed while a POST of Send, SendRetried,
// a Resender or a Deliverer (a run's own) lasts, half a lease before it ends, at once when the POST
// starts with less than half left; a Deliverer's body that waited its
// turn that long is renewed before its POST, and not posted once another
// process took it over): an exited
// process, a zombie, or another process that reuses the pid does not hold
// it (on Linux, from /proc; elsewhere a zombie holds it until its lease
// ends), and Drop refuses it (*BusyError).
//
// The file also records the starts of the injects a daemon runs (StartRun,
// Run.End): a start whose process ended before the run did is counted, so
// that an inject whose runs end the process is not run for ever; Close
// removes the starts of the runs still in flight (a graceful end), and so
// does EndOpenRuns (before an exit at once). Starts lists them, and
// DropStart forgets one that ended unfinished. It also notes, per base
// URL and inject, when a "complete" was last delivered or attempted
// without an answer, with the backend's ingestion window then, for that
// window or longer (NoteComplete, LastComplete: a backend that queues its
// callbacks shows nothing of one for a while).
//
// Each attempt of a stored body (Send, SendRetried, a Resender's, a
// Deliverer's) is noted before its first byte is sent, and so is each
// request of it a Poster makes (its retries: see httpx.WithSending,
// through which postContext hooks the note; a first request within a
// millisecond of the attempt's note shares it), in a file of the Store's
// own beside the outbox, "<file>.sending-<pid>-<start>-<store>" (<store>
// random, so that two Stores one process opens on one file keep their
// notes apart; one write(2), no fsync: it survives the process being
// killed, SIGKILL included, since the kernel keeps what was written; a
// power cut may lose the last notes, and their bodies are then resent at
// once), and ended once its outcome is durable in the file (the removal
// of a body delivered committed, or its record settled); the file is cut to nothing when no
// attempt is in flight once it holds 64 KiB, rewritten with those in
// flight past 1 MiB, and removed by Close once none is in flight (the
// notes of attempts Close abandoned in flight stay, counted once the
// process has ended). On Linux the file keeps 128 KiB of the disk set
// aside ahead of its notes (fallocate, see reserveAttempts), so that a
// disk filled meanwhile does not stop a daemon's resends: they are what
// empties the outbox. No attempt is ever made without its note, not even
// by a Store that holds the file's lock alone: the lock rules out another
// sender, but the note is there for this one, killed during its POST,
// after which a body resent at once could go twice. Open (but
// ReadOnly) creates the file and sets its room aside, not the first
// note: a disk that fills after Open (a daemon's resends during an
// outage, a run's result once its inject ran) no longer holds every
// body for want of a file it can no longer create. On a disk already
// full at Open, Open succeeds all the same (listing, dropping,
// compacting and a daemon's pause on a full outbox are what free the
// disk), and the Store posts nothing until the file can be written: each
// send is refused unposted (NotNoted, FlushResult.Unnoted), its error
// naming the file and the cause, the body kept pending as it was, and
// the next send tries to create it again. A body sent twice after a
// crash is worse than a body held: failing Open instead would stop the
// commands that free the disk, and guarantee nothing more. Opening the outbox for writing,
// and each pass of a Resender, counts, on its record, each attempt a
// process that ended started and did not end as one that got no answer
// (Record.Unanswered, Record.Interrupted: when its last request started; a post of the
// record gets it from InterruptedAt), so that a poster that holds a body
// after an attempt without an answer (the openaev profile, for the
// platform's ingestion window) holds it from then; a body never attempted
// gets nothing of the kind, and is sent at once, and so is one whose
// every request of that attempt was answered that the backend did not
// take it (a 503 of the server's own, a 429: noted through
// httpx.WithSendingAnswered before the wait for the retry), the process
// killed in that wait: the attempt counts as answered, its status
// Record.LastStatus. PendingOf finds an
// inject's pending records, and InterruptedOf its such records, through
// indexes the writes keep (see index.go), not a walk of every pending
// body.
//
// # Writing
//
// Put stores a few bodies in one transaction; PutAll stores a large send
// from a sequence, a few MiB (at most 512 bodies) per transaction, all
// or none; a process killed between them leaves the first, and the record of the send that
// the first transaction wrote and the last would have removed: Incomplete
// lists it, so that the bodies never stored are not lost silently, until
// DropSend. Writes are
// group-committed: those that arrive while another commits share the next
// commit (one fsync for many concurrent deliveries), those that arrive
// while a transaction's writes run, before it commits, join it, and each caller
// returns once the commit that holds its write is durable, or with that
// commit's error, which every write it held shares. A Deliverer (and a
// Resender, for a poster that does not send in order) removes the bodies
// the backend accepted without waiting: the removal rides with
// the next commit (a large send's next bodies, other deliveries' writes,
// or alone 20 ms later at most; a large send commits its last removals
// before it returns), a crash before it only makes them resent under their
// Idempotency-Key, and within the process they are gone at once (List,
// Stats and Get leave them out; Close commits them). A Deliverer's
// bodies stored in more than one transaction are all stored before the
// first is posted (storing does not overlap sending: a process killed
// at any POST of the send leaves every body the backend did not take
// stored, none lost), and so are bodies with a Before hook (posts that
// precede them on the wire, kept nowhere: the openaev per-target traces),
// before it runs: a process killed during Before leaves every body
// stored.
//
// # Redelivery
//
// Send posts one stored body under its recorded Idempotency-Key and
// settles its record (Settle, for a body posted by the caller). A
// Resender claims the bodies it is about to send up to 512 in one
// transaction, and gives back those it did not send at the end of its pass. A body for
// which no request can be built (an Idempotency-Key the HTTP client
// refuses) moves to the dead list at once, unsent. A Resender resends due
// bodies in a loop, backing off exponentially per body up to five minutes
// and holding back a backend found down (a connection-level failure only:
// a body the backend answers with an error status, or that cannot be sent,
// fails alone), or all pending bodies at once (Flush). A send or resend the
// backend refuses with 401 or 403 keeps its body pending (the token is at
// fault, not the body); a resend then holds back that backend's other
// bodies. For a poster whose later bodies of a send depend on the first (an
// InOrderPoster, as the openaev profile's), the later bodies wait, pending,
// until the first is delivered or superseded (perhaps by itself, its answer
// lost: they are sent then, never dropped). A superseded body whose content
// the poster sent in another form instead (ErrSupersededSent: an openaev
// "complete" whose signatures went as "data") is counted apart
// (FlushResult.SupersededSent).
//
// A body is resent only to the base URL it was stored for. When a backend
// moves (a 301 or 308, counted FlushResult.Moved: a redirect is never
// followed), Move gives its records, pending and dead, the new base URL in
// one transaction, each keeping its path, profile and history, and sends
// nothing; a record a live process is sending is left as it was.
package outbox
