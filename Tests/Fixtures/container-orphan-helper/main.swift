// container-orphan-helper: test infrastructure for the orphan-reaping test. Plays a runtime that
// starts instances and then gets killed with -9: starts COUNT instances of EXECUTABLE through a
// ContainerSupervisor on STATE_DIR, prints "PIDS p1 p2 …", and waits to be killed.
//
//     container-orphan-helper STATE_DIR EXECUTABLE COUNT
import Foundation
import Outpost

let args = CommandLine.arguments
guard args.count == 4, let count = Int(args[3]) else {
    FileHandle.standardError.write(Data("usage: container-orphan-helper STATE_DIR EXECUTABLE COUNT\n".utf8))
    exit(2)
}
let supervisor = ContainerSupervisor(stateDirectory: args[1], classes: [ContainerClass(name: "Orphan", executable: args[2])])
var pids: [Int32] = []
for i in 0..<count {
    try await supervisor.start(className: "Orphan", instanceID: "orphan-\(i)", options: ContainerStartOptions(enableInternet: i % 2 == 0))
    if let pid = await supervisor.process(className: "Orphan", instanceID: "orphan-\(i)")?.pid { pids.append(pid) }
}
FileHandle.standardOutput.write(Data(("PIDS " + pids.map(String.init).joined(separator: " ") + "\n").utf8))
while true { try await Task.sleep(for: .seconds(3600)) }
