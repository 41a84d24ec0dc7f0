// Package doccheck keeps the documentation true: its Go code, and what
// it says of the repository (its packages, their imports, the exit codes,
// the fuzz targets, the injectors' params, the figures), checked against
// the code. TestDocs reads every ```go block of README.md and docs/*.md
// and checks it by the block's info string, the words after ```go:
//
//   - ```go examples/hello/main.go: the block comes from that repository
//     file, which is compiled and tested with its own package. A block
//     holding a package clause must be the whole file, byte for byte; any
//     other block must be a run of the file's lines, verbatim.
//   - ```go (nothing after it): a complete file, a package clause after
//     any comments. It must be gofmt'd, and it is compiled with `go vet` as
//     a package of its own inside this module (a test file when it uses
//     *testing.T), so it may import any injectkit package.
//   - ```go fragment: a piece of code shown for reading, not checked.
//
// Any other block fails the test, which names the document and the line of
// the block.
//
// Its inline code naming an injectkit API, `pkg.Name`, `pkg.Type.Member` or
// `pkg.Func(a, b)`, must name what the package exports, a call with as many
// arguments as the function takes (TestDocSpans).
// The guide gives the import path of every injectkit package its
// excerpts of a repository file use (TestGuideGivesImportPaths).
//
// The guide's stand-in block (section 8, a ```sh block) is run as a
// script against hello and the OpenAEV stand-in (TestStandInBlock), the
// stand-in command's first doc example against injectkit
// (TestStandInCommandBlock), and
// the query injector README's Example against the Shodan stand-in
// (TestQueryExampleBlock).
//
// Each ```yaml block of those documents and of the injectors' READMEs is a
// config file the commands read without an error: validate (every key one
// a command reads, run's values valid), serve for one naming openaev_url
// (its values checked as at a start, nothing contacted) and `injectors
// NAME` for an injector's settings (TestYAMLExamplesAreAccepted).
//
// Each make target the documents give in code (`make demo`, `make
// bench-w1 N=…`, in README.md, docs/*.md, the injectors' READMEs and
// BENCHMARKS.md) is one the Makefile describes with "## ", so that `make
// help` lists it (TestDocMakeTargetsAreListed).
//
// Each reference injector's README has a params table and, when it
// declares settings, a settings table that agree with its manifest: every
// param and setting, no other, with its default and environment variable
// (TestInjectorREADMETables).
//
// docs/wire-format.md's example of the openaev profile's complete is what
// a dry run of the inject it names prints, but for the run's mark and times
// (TestOpenAEVCompleteExample).
//
// docs/fuzzing.md's table of fuzz targets has a row for each target of the
// module, under its package, and no other (TestFuzzingTargets).
//
// The README's first commands work with the PATH of a fresh Debian
// machine's root, Go at /usr/local/go and not on it: make finds that Go for
// its recipes and scripts, and scripts/demo.sh runs without make
// (TestFreshDebianPathFindsGo), and the README gives the line putting that Go
// on PATH before its first go command (TestREADMEPutsGoOnPathFirst);
// scripts/testdeps.sh, which make test runs
// first, installs what is missing as root and names it to another user
// (TestTestDepsOnAFreshMachine).
//
// The README's package table names every package of the module, and only
// packages of it (TestPackageTable); docs/architecture.md's list of imports
// is what go list says each package imports (TestArchitectureArrows); each
// log line the documents quote with its level is one the code writes at
// that level, the values it puts in it standing for any text
// (TestDocLogLines). The exit codes of the command line are each
// in the README's table, in run --help and in docs/architecture.md's list
// (TestExitCodesTable), and a line summing up a command's codes (its line
// in injectkit --help, the README's comment on validate) names those its
// --help lists (TestSummaryExitCodes); every optional capability of package framework is
// named in its package doc and in the guide's capability table
// (TestCapabilityLists). Every figure of the README's Performance section
// stands in BENCHMARKS.md (TestPerformanceFiguresAreInBenchmarks). Each
// long flag and INJECTKIT_ variable the documents write is one a command's
// --help lists or an injector's setting reads, but those listed as written
// on purpose (TestDocFlagsAndVariables), and each command line of
// injectkit they write, and each --help's EXAMPLES, gives its command only
// flags that command's --help lists (TestDocCommandFlags); each config
// key of the README's tables of settings is one a config file may give
// (TestConfigKeysInTables), and each table agrees with its commands'
// --help both ways: a row per option, with its variable and default
// (TestSettingsTablesAgreeWithHelp). Each Go name docs/architecture.md
// writes, its diagram's included, is one of the module, and each package
// its step table names one (TestArchitectureNames); so is each Go name
// any document writes without its package or with its path, but the
// names of other systems they quote (TestDocGoNames); each name a row of
// the README's package table writes is its package's, and every package
// says what it owns in a doc comment starting "Package name" or "Command
// name" (TestPackageTableNames).
//
// One check reads the code alone: each log field name is written as one
// JSON type wherever it is logged, as a JSON log store that types a field
// from its first line needs (TestLogFieldsKeepOneType).
package doccheck
