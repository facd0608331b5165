// The figures and the descriptor travel together: importing the library brings the descriptor.
@_exported public import ReportGeneratorDescriptor
