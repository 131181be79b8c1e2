using Lakekeeper.Authz;
using Lakekeeper.Authz.Hygiene;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Lakekeeper.Storage;

namespace Lakekeeper.Management;

/// <summary>
/// Creating a warehouse and its dry run: the checks run in the same order for both (name, format
/// version policy, managed-by, profile, location, storage probe), the dry run answers them all, the
/// real create refuses on the first kind of failure and writes the row (with the credential encrypted
/// bound to the new id) only when every check passed. The credential is never returned. A warehouse
/// <c>managed-by: instance-admin</c> is created by an instance administrator only (403 otherwise).
/// </summary>
internal sealed class WarehouseService(
    WarehouseRepository warehouses, ProjectRepository projects, WarehouseStorageService storage, ManagementAccess access, AuthzOutbox outbox,
    InstanceAdministrators admins, AuditLog audit)
{
    public async Task<(ApiError? Error, ValidationChecks Checks, WarehouseRecord? Created)> CreateAsync(
        Caller caller, ProjectId project, CreateWarehouseRequest request, bool dryRun, CancellationToken cancellationToken)
    {
        var checks = new ValidationChecks();
        if (request.WarehouseName is null)
        {
            return (ManagementErrors.BadRequest("warehouse-name is required"), checks, null);
        }

        if (request.StorageProfile is not { } profile)
        {
            return (ManagementErrors.BadRequest("storage-profile is required"), checks, null);
        }

        if (DeleteProfiles.Check(request.DeleteProfile) is { } deleteProblem)
        {
            return (ManagementErrors.BadRequest(deleteProblem), checks, null);
        }

        if (request.WarehouseId is { } requested && requested == Guid.Empty)
        {
            return (ManagementErrors.BadRequest("warehouse-id must not be the nil UUID"), checks, null);
        }

        if (await access.RequireAsync(IdentityHttp.ToPrincipal(caller), AuthzObject.Project(project.ToString()), Relations.CanCreateWarehouse,
                ManagementErrors.NoSuchProject(project.Value), cancellationToken) is { } denied)
        {
            return (denied, checks, null);
        }

        if (await projects.GetAsync(project, cancellationToken) is null)
        {
            return (ManagementErrors.NoSuchProject(project.Value), checks, null);
        }

        var name = request.WarehouseName;
        var nameProblem = ManagementHttp.ValidName(name, allowSlash: false)
            ? await warehouses.GetByNameAsync(project, name, cancellationToken) is null ? null : $"Warehouse already exists: {name}"
            : "warehouse-name must be 1 to 128 characters, without '/' and control characters";
        if (!dryRun && nameProblem is not null && nameProblem.StartsWith("Warehouse already exists", StringComparison.Ordinal))
        {
            return (ManagementErrors.Conflict(nameProblem), checks, null);
        }

        if (!dryRun && request.WarehouseId is { } id && await warehouses.GetAsync(new WarehouseId(id), cancellationToken) is not null)
        {
            return (ManagementErrors.Conflict($"Warehouse {id} already exists"), checks, null);
        }

        // A managed warehouse is created by an instance administrator only: refused before anything else is probed.
        var managedBy = request.ManagedBy ?? WarehouseRecord.SelfManaged;
        var byInstanceAdmin = managedBy == WarehouseRecord.InstanceAdminManaged && await admins.IsInstanceAdminAsync(caller, cancellationToken);
        var managedByProblem = managedBy switch
        {
            WarehouseRecord.SelfManaged => null,
            WarehouseRecord.InstanceAdminManaged when byInstanceAdmin => null,
            WarehouseRecord.InstanceAdminManaged => $"managed-by: '{managedBy}' needs an instance administrator",
            _ => $"managed-by: '{managedBy}' is not '{WarehouseRecord.SelfManaged}' or '{WarehouseRecord.InstanceAdminManaged}'",
        };
        if (!dryRun && managedByProblem is not null)
        {
            audit.Change(caller, "create-warehouse", $"project:{project}", "refused: " + managedByProblem);
            return (managedBy == WarehouseRecord.InstanceAdminManaged ? ManagementErrors.Forbidden("Forbidden: " + managedByProblem) : ManagementErrors.BadRequest(managedByProblem), checks, null);
        }

        var wellFormed = storage.WellFormed(checks, profile, request.StorageCredential);
        var ok = checks.Check("warehouse-name-valid", nameProblem);
        ok &= checks.Check("format-version-policy-consistent", FormatVersionPolicy.Check(request.AllowedFormatVersions, request.DefaultFormatVersion));
        ok &= checks.Check("managed-by-allowed", managedByProblem);
        if (wellFormed)
        {
            ok &= checks.Check("location-exclusive", await OverlapAsync(profile, cancellationToken));
        }
        else
        {
            checks.Skip("location-exclusive", "skipped: the profile is not well-formed");
        }

        await storage.ReadWriteAsync(checks, profile, request.StorageCredential,
            !wellFormed ? "skipped: the profile is not well-formed" : !ok ? "skipped: an earlier check failed" : null, cancellationToken);
        if (dryRun)
        {
            return (null, checks, null);
        }

        if (checks.Failed)
        {
            return (ManagementErrors.BadRequest("Invalid warehouse: " + checks.Describe()), checks, null);
        }

        var warehouseId = request.WarehouseId is { } chosen ? new WarehouseId(chosen) : WarehouseId.New();
        // The creator owns the warehouse, which hangs below its project (docs/authz.md, tuple hygiene).
        var self = AuthzObject.Warehouse(warehouseId.ToString());
        var tuples = new TupleChanges().Write(AuthzHierarchy.Link(self, AuthzObject.Project(project.ToString()))).Own(self, IdentityHttp.ToPrincipal(caller));
        var (outcome, created) = await warehouses.CreateAsync(new NewWarehouse(
            warehouseId, project, name, StorageJson.Serialize(profile), storage.Protect(warehouseId, request.StorageCredential),
            DeleteProfiles.Serialize(request.DeleteProfile), request.AllowedFormatVersions, request.DefaultFormatVersion, managedBy), cancellationToken, tuples.ToRows());
        audit.Change(caller, "create-warehouse", $"warehouse:{warehouseId} project:{project}", outcome.ToString());
        switch (outcome)
        {
            case WarehouseCreateOutcome.NameTaken:
                return (ManagementErrors.Conflict($"Warehouse already exists: {name}"), checks, null);
            case WarehouseCreateOutcome.IdTaken:
                return (ManagementErrors.Conflict($"Warehouse {warehouseId} already exists"), checks, null);
            case WarehouseCreateOutcome.ProjectNotFound:
                return (ManagementErrors.NoSuchProject(project.Value), checks, null);
        }

        await outbox.DeliverAsync(cancellationToken);
        return (null, checks, created);
    }

    /// <summary>Which existing warehouse's location overlaps the new one (one inside the other), or null.</summary>
    private async Task<string?> OverlapAsync(Storage.Profiles.StorageProfile profile, CancellationToken cancellationToken)
    {
        var location = profile.BaseLocation;
        foreach (var (id, json) in await warehouses.ListProfilesAsync(cancellationToken))
        {
            if (WarehouseStorageService.BaseLocationOf(json) is { } other && other.Overlaps(location))
            {
                return $"the location {location} overlaps that of warehouse {id} ({other})";
            }
        }

        return null;
    }

    /// <summary>The warehouse as the API shows it: everything but the credential.</summary>
    public static GetWarehouseResponse Describe(WarehouseRecord warehouse)
    {
        if (!StorageJson.TryDeserializeProfile(warehouse.StorageProfileJson, out var profile, out var error))
        {
            throw new InvalidOperationException($"Warehouse {warehouse.Id} has an unreadable storage profile: {error}");
        }

        return new GetWarehouseResponse(
            warehouse.Id.Value, warehouse.Id.Value, warehouse.Name, warehouse.ProjectId.Value, profile,
            DeleteProfiles.Parse(warehouse.DeleteProfileJson), warehouse.Status, warehouse.Protected,
            warehouse.FormatVersions, warehouse.DefaultFormatVersion, warehouse.ManagedBy,
            WarehouseStorageService.CredentialType(warehouse), warehouse.UpdatedAt);
    }
}

/// <summary>The delete profile: <c>{"type":"hard"}</c> or <c>{"type":"soft","expiration-seconds":N}</c>.</summary>
internal static class DeleteProfiles
{
    /// <summary>Longest soft-delete expiration accepted: ten years.</summary>
    public const long MaxExpirationSeconds = 10L * 366 * 24 * 3600;

    public static string? Check(TabularDeleteProfile? profile) => profile switch
    {
        null or { Type: "hard", ExpirationSeconds: null } => null,
        { Type: "hard" } => "delete-profile: expiration-seconds applies only to type 'soft'",
        { Type: "soft", ExpirationSeconds: null } => "delete-profile: type 'soft' needs expiration-seconds",
        { Type: "soft", ExpirationSeconds: < 1 or > MaxExpirationSeconds } => $"delete-profile: expiration-seconds must be between 1 and {MaxExpirationSeconds}",
        { Type: "soft" } => null,
        { Type: null } => "delete-profile: type is required ('hard' or 'soft')",
        _ => $"delete-profile: unknown type '{profile.Type}'; expected 'hard' or 'soft'",
    };

    public static string Serialize(TabularDeleteProfile? profile) => profile is { Type: "soft", ExpirationSeconds: { } seconds }
        ? $$"""{"type":"soft","expiration-seconds":{{seconds}}}"""
        : """{"type":"hard"}""";

    public static TabularDeleteProfile Parse(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.GetProperty("type").GetString() == "soft"
            ? new TabularDeleteProfile("soft", root.GetProperty("expiration-seconds").GetInt64())
            : new TabularDeleteProfile("hard", null);
    }
}
