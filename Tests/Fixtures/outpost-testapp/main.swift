import OutpostCLI

// A Worker used by the real-process tests (crash, restart, shutdown): same CLI as `outpost`,
// with routes that exercise each binding. Each subsystem's routes live in their own file.
await OutpostCommand.main(script: TestApp.script)
