package cli

import ucli "github.com/urfave/cli/v2"

// namesOnce has each string and generic flag of cmd, the command a command
// line runs, work out its names once. urfave/cli asks a flag its names
// (Names: a regular expression over each name, every time) for each flag
// it checks is set, and before running a command it checks each of its
// flags (runFlagActions): run has about fifty, so a few thousand
// regular expressions ran on every command line. A boolean flag is left
// as it is: urfave/cli's help and completion tell it by its type.
func namesOnce(cmd *ucli.Command) {
	for i, f := range cmd.Flags {
		switch f := f.(type) {
		case *ucli.StringFlag:
			cmd.Flags[i] = &namedString{f, f.Names()}
		case *ucli.GenericFlag:
			cmd.Flags[i] = &namedGeneric{f, f.Names()}
		}
	}
}

// namedString is a string flag whose names are worked out once (a
// pointer: urfave/cli compares flags with ==).
type namedString struct {
	*ucli.StringFlag
	names []string
}

func (n *namedString) Names() []string { return n.names }

// namedGeneric is a generic flag whose names are worked out once.
type namedGeneric struct {
	*ucli.GenericFlag
	names []string
}

func (n *namedGeneric) Names() []string { return n.names }
