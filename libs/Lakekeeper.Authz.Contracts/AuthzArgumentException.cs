namespace Lakekeeper.Authz;

/// <summary>
/// The authorizer rejected its arguments: an unknown object type, a malformed id or relation, too
/// many items. Thrown alike by the engine in process and by the gRPC client when the authz service
/// answers INVALID_ARGUMENT; the error boundary answers 400 with the reason. Changes nothing.
/// </summary>
public sealed class AuthzArgumentException : ArgumentException
{
    public AuthzArgumentException()
    {
    }

    public AuthzArgumentException(string message)
        : base(message)
    {
    }

    public AuthzArgumentException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
