// Descriptors declare defaults and parameters as JSONValue: importing them brings it along.
@_exported public import OutpostJSON
