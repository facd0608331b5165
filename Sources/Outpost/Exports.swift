// The HTTP vocabulary (methods, statuses, header fields) and ByteBuffer are part of every
// Worker's API, so importing Outpost brings them along.
@_exported public import HTTPTypes
@_exported public import struct NIOCore.ByteBuffer
// JSONValue is shared with ServiceKit and the service descriptors through its own small target.
@_exported public import OutpostJSON
