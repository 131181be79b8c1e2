using Lakekeeper.Abstractions.Errors;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Lakekeeper.Management;

/// <summary>
/// A management API error as a typed result, in the one error contract (<c>{"error":{message,type,code}}</c>).
/// Handlers return it inside <see cref="Results{TResult1, TResult2}"/>; the OpenAPI document lists
/// errors as Lakekeeper's does, one <c>4XX</c> response per operation.
/// </summary>
internal sealed class ApiError(ErrorResponse error) : IResult, IStatusCodeHttpResult
{
    public ErrorResponse Error { get; } = error;

    public int? StatusCode => Error.Code;

    public Task ExecuteAsync(HttpContext httpContext) => Error.WriteAsync(httpContext);

    /// <summary>This error as a plain result (for handlers that return <see cref="IResult"/>).</summary>
    public IResult ToResult() => this;

    public override string ToString() => $"{Error.Code} {Error.Type}: {Error.Message}";
}

/// <summary>Management API errors, in the same error contract as the catalog.</summary>
internal static class ManagementErrors
{
    public static ApiError BadRequest(string message) => new(ErrorResponse.BadRequest(message));

    public static ApiError NoSuchProject(Guid id) => new(new(404, "NoSuchProjectException", $"Project does not exist: {id}"));

    public static ApiError NoSuchWarehouse(string warehouse) => new(new(404, "NoSuchWarehouseException", $"Warehouse does not exist: {warehouse}"));

    public static ApiError NoSuchNamespace(Guid id) => new(new(404, "NoSuchNamespaceException", $"Namespace does not exist: {id}"));

    public static ApiError NoSuchTabular(string kind, Guid id) =>
        new(new(404, kind == "view" ? "NoSuchViewException" : "NoSuchTableException", $"{(kind == "view" ? "View" : "Table")} does not exist: {id}"));

    public static ApiError Conflict(string message) => new(new(409, "AlreadyExistsException", message));

    public static ApiError NotEmpty(string message) => new(new(409, "NotEmptyException", message));

    public static ApiError Protected(string message) => new(new(409, "ProtectedException", message));

    public static ApiError Forbidden(string message) => new(new(403, "ForbiddenException", message));
}
