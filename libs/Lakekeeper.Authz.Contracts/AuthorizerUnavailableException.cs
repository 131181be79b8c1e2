namespace Lakekeeper.Authz;

/// <summary>
/// No authorization decision could be made: the authz service is unreachable, did not answer within
/// <c>LAKEKEEPER__AUTHZ__TIMEOUTMS</c>, or failed. Callers let it propagate; the error boundary maps it
/// to 503 <c>ServiceUnavailableException</c> with <c>Retry-After</c>. Never treat it as a denial or a grant.
/// </summary>
public sealed class AuthorizerUnavailableException : Exception
{
    public AuthorizerUnavailableException()
        : base("The authorization service is unavailable.")
    {
    }

    public AuthorizerUnavailableException(string message)
        : base(message)
    {
    }

    public AuthorizerUnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
