import Functions
import OutpostCLI

await OutpostCommand.main(script: Pitchey.script, commands: [KeysCommand.self])
