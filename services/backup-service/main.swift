import Foundation
import ServiceKit
import UserDataBackup

// The backup-service container image: GDPR exports and restores over HTTP on $PORT (see its
// descriptor). An export's input (the dataset with the user's bytes) passes through scratch, so
// inputs up to 3.5 GiB are accepted unless MAX_INPUT_BYTES says otherwise.
setenv("MAX_INPUT_BYTES", String(Int64(7) << 29), 0)
await ContainerService.main(BackupJobHandler())
