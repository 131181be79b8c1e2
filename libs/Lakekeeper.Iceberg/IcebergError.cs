namespace Lakekeeper.Iceberg;

/// <summary>
/// An expected failure: the Iceberg error <paramref name="Type"/> (the simple exception name the
/// Java client understands), the HTTP <paramref name="Code"/> and the reference message wording.
/// </summary>
public sealed record IcebergError(int Code, string Type, string Message)
{
    public const string BadRequestType = "BadRequestException";
    public const string IllegalArgumentType = "IllegalArgumentException";
    public const string ValidationType = "ValidationException";
    public const string CommitFailedType = "CommitFailedException";
    public const string AlreadyExistsType = "AlreadyExistsException";
    public const string UnsupportedOperationType = "UnsupportedOperationException";

    /// <summary>400 <c>BadRequestException</c>: malformed or unsupported request content.</summary>
    public static IcebergError BadRequest(string message) => new(400, BadRequestType, message);

    /// <summary>400 <c>IllegalArgumentException</c>: the Java client rethrows it as IllegalArgumentException.</summary>
    public static IcebergError IllegalArgument(string message) => new(400, IllegalArgumentType, message);

    /// <summary>400 <c>ValidationException</c>: a metadata validation failed (not retryable).</summary>
    public static IcebergError Validation(string message) => new(400, ValidationType, message);

    /// <summary>409 <c>CommitFailedException</c>: a requirement failed or the commit is stale.</summary>
    public static IcebergError CommitFailed(string message) => new(409, CommitFailedType, message);

    /// <summary>409 <c>AlreadyExistsException</c>.</summary>
    public static IcebergError AlreadyExists(string message) => new(409, AlreadyExistsType, message);

    /// <summary>406 <c>UnsupportedOperationException</c>.</summary>
    public static IcebergError UnsupportedOperation(string message) => new(406, UnsupportedOperationType, message);

    /// <summary>404 with the given type, e.g. <c>NoSuchTableException</c>.</summary>
    public static IcebergError NotFound(string type, string message) => new(404, type, message);

    public override string ToString() => $"{Code} {Type}: {Message}";
}

/// <summary>Either a value or an <see cref="IcebergError"/>. Never both.</summary>
public readonly struct Result<T>
{
    private readonly T? _value;
    private readonly IcebergError? _error;

    public Result(T value)
    {
        _value = value;
        _error = null;
    }

    public Result(IcebergError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        _value = default;
        _error = error;
    }

    public bool IsSuccess => _error is null;

    public bool IsFailure => _error is not null;

    /// <summary>The value; throws when this is a failure (a caller bug).</summary>
    public T Value => _error is null
        ? _value!
        : throw new InvalidOperationException($"Result is a failure: {_error}");

    /// <summary>The error; throws when this is a success (a caller bug).</summary>
    public IcebergError Error => _error ?? throw new InvalidOperationException("Result is a success");

    public bool TryGetValue(out T value, out IcebergError? error)
    {
        value = _value!;
        error = _error;
        return _error is null;
    }

    public static implicit operator Result<T>(T value) => new(value);

    public static implicit operator Result<T>(IcebergError error) => new(error);

    public Result<TOut> Map<TOut>(Func<T, TOut> map)
    {
        ArgumentNullException.ThrowIfNull(map);
        return _error is null ? new Result<TOut>(map(_value!)) : new Result<TOut>(_error);
    }

    public override string ToString() => _error is null ? $"Success({_value})" : $"Failure({_error})";
}
