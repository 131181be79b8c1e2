namespace Lakekeeper.Rpc;

/// <summary>The gRPC status codes (gRPC <c>doc/statuscodes.md</c>); the numbers are the wire values.</summary>
public enum StatusCode
{
    /// <summary>Not an error.</summary>
    OK = 0,

    /// <summary>The operation was cancelled, typically by the caller.</summary>
    Cancelled = 1,

    /// <summary>Unknown error, e.g. a status from an unknown error space or an unparsable status.</summary>
    Unknown = 2,

    /// <summary>The caller specified an invalid argument, whatever the state of the system.</summary>
    InvalidArgument = 3,

    /// <summary>The deadline expired before the operation completed.</summary>
    DeadlineExceeded = 4,

    /// <summary>A requested entity was not found.</summary>
    NotFound = 5,

    /// <summary>The entity the caller tried to create already exists.</summary>
    AlreadyExists = 6,

    /// <summary>The (identified) caller may not do this.</summary>
    PermissionDenied = 7,

    /// <summary>A resource (quota, memory, message size limit) is exhausted.</summary>
    ResourceExhausted = 8,

    /// <summary>The system is not in the state the operation requires.</summary>
    FailedPrecondition = 9,

    /// <summary>Aborted, typically by a concurrency conflict.</summary>
    Aborted = 10,

    /// <summary>Operation attempted past the valid range.</summary>
    OutOfRange = 11,

    /// <summary>The method is not implemented or not supported (also: unsupported compression, wrong message count).</summary>
    Unimplemented = 12,

    /// <summary>An invariant of the system or the protocol is broken.</summary>
    Internal = 13,

    /// <summary>The service is currently unavailable; retrying may succeed.</summary>
    Unavailable = 14,

    /// <summary>Unrecoverable data loss or corruption.</summary>
    DataLoss = 15,

    /// <summary>The caller could not be authenticated.</summary>
    Unauthenticated = 16,
}
