import Foundation
import CBackupZlib
import ServiceKit
import UserDataBackup

// The backup-service container image: GDPR exports and restores over HTTP on $PORT (see its
// descriptor). Its inputs and its export stream through it (never in scratch), so MAX_INPUT_BYTES
// does not bound them.
// Bytes pass in 1 MiB blocks between threads (request body, job thread, output body). glibc would
// raise its mmap threshold after the first such block is freed and keep the later ones in each
// thread's arena (tens of MiB of RSS that hold nothing); a fixed threshold gives them back at once.
_ = mallopt(M_MMAP_THRESHOLD, 256 << 10)
await ContainerService.main(BackupJobHandler())
