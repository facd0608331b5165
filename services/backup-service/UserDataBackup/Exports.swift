// The descriptor travels with the library: importing the library brings it.
@_exported public import BackupServiceDescriptor
