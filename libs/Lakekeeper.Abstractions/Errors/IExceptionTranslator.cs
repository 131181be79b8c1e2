namespace Lakekeeper.Abstractions.Errors;

/// <summary>
/// Lets a module say what an infrastructure exception means to a client (for example, a dropped
/// database connection is a retryable 503). Returning null passes the exception on; unknown
/// exceptions become a 500 with an error id and no details.
/// </summary>
public interface IExceptionTranslator
{
    ErrorResponse? Translate(Exception exception);
}
