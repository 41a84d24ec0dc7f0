package cli

import (
	"io"
	"os"
	"strconv"
)

// Terminal is implemented by a writer that knows whether it is a terminal.
// Options.Stdout and Options.Stderr may implement it to say so (a test, an
// embedding program); otherwise an *os.File is a terminal when the system
// says so (isatty: on Linux, the file answers the terminal ioctl; a
// character device such as /dev/null or /dev/full is not one), and any
// other writer is not. On a terminal, `run` prints a summary on stdout and
// its progress on stderr.
type Terminal interface {
	IsTerminal() bool
}

// isTerminal reports whether w is a terminal.
func isTerminal(w io.Writer) bool {
	switch t := w.(type) {
	case Terminal:
		return t.IsTerminal()
	case *os.File:
		return fileIsTerminal(t)
	}
	return false
}

// terminalWidth is the width of the terminal from $COLUMNS, else 80.
func terminalWidth(getenv func(string) string) int {
	if n, err := strconv.Atoi(getenv("COLUMNS")); err == nil && n >= 20 {
		return n
	}
	return 80
}
