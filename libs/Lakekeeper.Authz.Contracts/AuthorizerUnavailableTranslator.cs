using Lakekeeper.Abstractions.Errors;

namespace Lakekeeper.Authz;

/// <summary>
/// An unavailable authorizer is a retryable 503, never a 500 and never a 403; arguments the authorizer
/// rejects are a 400 with the reason.
/// </summary>
internal sealed class AuthorizerUnavailableTranslator : IExceptionTranslator
{
    public const int RetryAfterSeconds = 1;

    public ErrorResponse? Translate(Exception exception) => exception switch
    {
        AuthorizerUnavailableException => ErrorResponse.Unavailable("The authorization service is unavailable. Retry later.", RetryAfterSeconds),
        AuthzArgumentException invalid => ErrorResponse.BadRequest(invalid.Message),
        _ => null,
    };
}
