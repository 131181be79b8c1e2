namespace Lakekeeper.Fga;

/// <summary>
/// A request the engine refuses, with OpenFGA's error code (<c>validation_error</c>,
/// <c>invalid_tuple</c>, <c>invalid_authorization_model</c>, …). These are the caller's mistakes: the
/// HTTP API answers them with 400 (404 for <see cref="FgaErrorCodes.StoreIdNotFound"/>).
/// </summary>
public sealed class FgaException : Exception
{
    public FgaException(string code, string message)
        : base(message)
    {
        Code = code;
    }

    public FgaException()
        : this(FgaErrorCodes.ValidationError, "invalid request")
    {
    }

    public FgaException(string message)
        : this(FgaErrorCodes.ValidationError, message)
    {
    }

    public FgaException(string message, Exception innerException)
        : base(message, innerException)
    {
        Code = FgaErrorCodes.ValidationError;
    }

    /// <summary>OpenFGA's error code, e.g. <c>validation_error</c>.</summary>
    public string Code { get; }
}

/// <summary>The error codes of OpenFGA's API that this engine produces.</summary>
public static class FgaErrorCodes
{
    public const string ValidationError = "validation_error";
    public const string InvalidTuple = "invalid_tuple";
    public const string InvalidAuthorizationModel = "invalid_authorization_model";
    public const string UnsupportedSchemaVersion = "unsupported_schema_version";
    public const string AuthorizationModelNotFound = "authorization_model_not_found";
    public const string LatestAuthorizationModelNotFound = "latest_authorization_model_not_found";
    public const string ResolutionTooComplex = "authorization_model_resolution_too_complex";
    public const string InvalidWriteInput = "invalid_write_input";
    public const string DuplicateTuplesInOneRequest = "cannot_allow_duplicate_tuples_in_one_request";
    public const string DuplicateTypesInOneRequest = "cannot_allow_duplicate_types_in_one_request";
    public const string WriteFailedDueToInvalidInput = "write_failed_due_to_invalid_input";
    public const string InvalidContinuationToken = "invalid_continuation_token";
    public const string TypeNotFound = "type_not_found";
    public const string RelationNotFound = "relation_not_found";
    public const string DuplicateContextualTuple = "duplicate_contextual_tuple";
    public const string ExceededEntityLimit = "exceeded_entity_limit";
    public const string StoreIdNotFound = "store_id_not_found";
    public const string PageSizeInvalid = "page_size_invalid";
}
