package cli

// The EXIT CODES sections of the commands whose help holds nothing else
// to say of them (run's, validate's, serve's, outbox flush's, retry-dead's
// and move's are beside their commands): every command's help lists the
// codes it exits with (TestEveryCommandHelpListsItsExitCodes).

const injectorsExitHelp = `EXIT CODES:
   0  the injectors (or the one named) were shown
   1  stdout could not be written (a full disk): one line on stderr says so; a reader that
      stops early (| head) drops the rest: exit 0, nothing said
   2  invalid usage: an injector not registered (the line names the known ones), more than one name, a flag
      or setting refused (one line on stderr names it and the value)
   3  the injector named panicked in its factory or Manifest: one line names the injector and the method`

const versionExitHelp = `EXIT CODES:
   0  the version was printed
   1  stdout could not be written (a full disk): one line on stderr says so
   2  invalid usage (an argument, an unknown flag or -o value)`

const completionExitHelp = `EXIT CODES:
   0  the script was printed
   1  stdout could not be written (a full disk): one line on stderr says so
   2  invalid usage: no shell, or one other than bash, zsh and fish`

const outboxExitHelp = `EXIT CODES:
   each subcommand's help lists its own (injectkit outbox list --help, …); 2 for a subcommand not known`

// listExitHelp follows listDescription in outbox list's help.
const listExitHelp = `EXIT CODES:
   0  the outbox was listed (an outbox file that does not exist holds nothing: 0 pending, 0 dead)
   1  stdout could not be written (a full disk): one line on stderr says so; a reader that
      stops early (| head) drops the rest: exit 0, nothing said
   2  invalid usage (an argument, a flag refused, an outbox_max_bytes under its least), or an outbox corrupt
      or locked by another process past --outbox-lock-timeout: one line on stderr names it
   130  interrupted (SIGINT, SIGTERM or SIGHUP) while waiting for the outbox's lock or reading it: nothing listed`

const dropExitHelp = `EXIT CODES:
   0  the body (or the record, or the bodies selected) was dropped
   1  the outbox could not be changed (a write that failed, but for a full disk): the body stays as it was
   2  invalid usage: no id or one not in the outbox (pending, dead, an incomplete send or run-N), a body another
      live process is sending, or an outbox corrupt, locked past --outbox-lock-timeout or not writable (a full
      disk): nothing dropped
   130  interrupted (SIGINT, SIGTERM or SIGHUP) while waiting for the outbox's lock (nothing dropped), or while
        dropping the bodies selected (those not dropped yet stay as they were)
   A stdout that could not be written changes none of these: it only reports what was dropped`

const compactExitHelp = `EXIT CODES:
   0  the outbox was compacted (an outbox file that does not exist: nothing to compact)
   2  invalid usage, or an outbox corrupt, locked past --outbox-lock-timeout or whose copy could not be
      written (a full disk): the file stays as it was
   130  interrupted (SIGINT, SIGTERM or SIGHUP) while waiting for the outbox's lock: nothing changed
   A stdout that could not be written changes none of these: it only reports what was done`
