using Lakekeeper.Abstractions.Errors;

namespace Lakekeeper.Management;

/// <summary>Management API errors, in the same error contract as the catalog.</summary>
internal static class ManagementErrors
{
    public static ErrorResponse BadRequest(string message) => ErrorResponse.BadRequest(message);

    public static ErrorResponse NoSuchProject(Guid id) => new(404, "NoSuchProjectException", $"Project does not exist: {id}");

    public static ErrorResponse NoSuchWarehouse(string warehouse) => new(404, "NoSuchWarehouseException", $"Warehouse does not exist: {warehouse}");

    public static ErrorResponse Conflict(string message) => new(409, "AlreadyExistsException", message);

    public static ErrorResponse NotEmpty(string message) => new(409, "NotEmptyException", message);

    public static ErrorResponse Forbidden(string message) => new(403, "ForbiddenException", message);
}
