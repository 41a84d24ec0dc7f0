// Package testkit holds the helpers the tests of every package share, so
// that none of them keeps its own copy: a reverse proxy to put in front
// of a server (ReverseProxy), a proxy that cuts a connection (FaultProxy,
// Cut), a forward proxy that tunnels a CONNECT or refuses its
// credentials (ConnectProxy), WaitFor and the Signal that wakes it, a loopback TCP
// listener (Listen) and the address a loopback target sees this host as
// (SeenFrom), a clock a test moves by hand (Clock), a
// context whose deadline passes when the test says (Deadline), a buffer safe to
// read while a process writes to it (Buffer), a command or a function run until the test stops it (Process,
// Routine), an observed logger (Logger), temporary files (WriteFile,
// WriteJSON), pipes standing for a process substitution or a stdout whose
// reader left (OneShotFile, ClosedPipe), a named pipe (FIFO), golden files and strictly decoded inputs (Golden, ReadJSON)
// and the loop over golden case folders (Cases), and the check that a
// package's exported functions are used outside it
// (ExportedFuncsUsedOutside).
//
// It imports nothing of injectkit, so that the tests of any package, the
// internal ones included, may use it without an import cycle. Helpers tied
// to one package's API live beside it: transport/transporttest for the
// callback wire and the one recording HTTP backend (its package
// recorder), framework/frameworktest for executors.
package testkit
