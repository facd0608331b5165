// A service's handler speaks in JSONValue and declares itself with a ServiceDescriptor, so
// importing ServiceKit brings both along.
@_exported public import OutpostJSON
@_exported public import ServiceDescriptors
