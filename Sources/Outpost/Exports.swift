// The HTTP vocabulary (methods, statuses, header fields) and ByteBuffer are part of every
// Worker's API, so importing Outpost brings them along.
@_exported public import HTTPTypes
@_exported public import struct NIOCore.ByteBuffer
