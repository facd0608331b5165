import Foundation
import ServiceKit
import UserDataBackup

// The backup-service container image: GDPR exports and restores over HTTP on $PORT (see its
// descriptor). Its inputs and its export stream through it (never in scratch), so MAX_INPUT_BYTES
// does not bound them.
await ContainerService.main(BackupJobHandler())
