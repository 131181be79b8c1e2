using System.Text.Json;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Validation;

namespace Lakekeeper.Management;

/// <summary>
/// Creating a warehouse: the name, the storage profile and credential are validated, the storage is
/// probed (write, read, list, delete), the credential is encrypted bound to the new warehouse id,
/// and only then is the row written. The credential is never returned.
/// </summary>
internal sealed class WarehouseService(
    WarehouseRepository warehouses, ISecretProtector secrets, IStorageValidator validator, IAuthorizer authorizer, ICallerAccessor callers, AuditLog audit)
{
    public async Task<(ErrorResponse? Error, WarehouseRecord? Warehouse)> CreateAsync(
        ProjectId defaultProject, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        using var document = ManagementJson.TryParse(body, out var parseError);
        if (document is null)
        {
            return (ManagementErrors.BadRequest(parseError!), null);
        }

        var root = document.RootElement;
        var name = ManagementJson.String(root, "warehouse-name");
        if (name is null || name.Length is 0 or > 128 || name.Any(char.IsControl) || name.Contains('/', StringComparison.Ordinal))
        {
            return (ManagementErrors.BadRequest("warehouse-name is required: 1 to 128 characters, no '/' and no control characters"), null);
        }

        var project = defaultProject;
        if (root.TryGetProperty("project-id", out var projectElement) && projectElement.ValueKind != JsonValueKind.Null)
        {
            if (projectElement.ValueKind != JsonValueKind.String || !Guid.TryParse(projectElement.GetString(), out var projectGuid))
            {
                return (ManagementErrors.BadRequest("project-id must be a UUID"), null);
            }

            project = new ProjectId(projectGuid);
        }

        if (!root.TryGetProperty("storage-profile", out var profileElement) || profileElement.ValueKind != JsonValueKind.Object)
        {
            return (ManagementErrors.BadRequest("storage-profile is required"), null);
        }

        if (!StorageJson.TryDeserializeProfile(profileElement.GetRawText(), out var profile, out var profileError))
        {
            return (ManagementErrors.BadRequest(profileError), null);
        }

        StorageCredential? credential = null;
        if (root.TryGetProperty("storage-credential", out var credentialElement) && credentialElement.ValueKind != JsonValueKind.Null)
        {
            if (!StorageJson.TryDeserializeCredential(credentialElement.GetRawText(), out credential, out var credentialError))
            {
                return (ManagementErrors.BadRequest(credentialError), null);
            }
        }

        var deleteProfile = """{"type":"hard"}""";
        if (root.TryGetProperty("delete-profile", out var deleteElement) && deleteElement.ValueKind != JsonValueKind.Null)
        {
            if (ManagementJson.String(deleteElement, "type") != "hard")
            {
                return (ManagementErrors.BadRequest("delete-profile: only {\"type\":\"hard\"} is supported in this version"), null);
            }
        }

        var settings = validator.ValidateSettings(profile, credential);
        if (!settings.Succeeded)
        {
            return (ManagementErrors.BadRequest("Invalid storage settings: " + settings.Describe()), null);
        }

        if (!await authorizer.CheckAsync(IdentityHttp.ToPrincipal(callers.Current), AuthzObject.Project(project.ToString()), Relations.CanCreateWarehouse, cancellationToken))
        {
            return (ManagementErrors.NoSuchProject(project.Value), null);
        }

        if (await warehouses.GetByNameAsync(project, name, cancellationToken) is not null)
        {
            return (ManagementErrors.Conflict($"Warehouse already exists: {name}"), null);
        }

        StorageValidationReport probe;
        try
        {
            probe = await validator.ValidateAsync(profile, credential, cancellationToken);
        }
        catch (StorageException ex) when (ex.Kind == StorageErrorKind.Invalid)
        {
            return (ManagementErrors.BadRequest("Storage not usable: " + ex.Message), null);
        }

        if (!probe.Succeeded)
        {
            return (ManagementErrors.BadRequest("Storage validation failed: " + probe.Describe()), null);
        }

        var id = WarehouseId.New();
        var secret = credential is null ? null : secrets.Protect(StorageJson.SerializeToUtf8Bytes(credential), WarehouseSecrets.AssociatedData(id));
        var (outcome, created) = await warehouses.CreateAsync(id, project, name, StorageJson.Serialize(profile), secret, deleteProfile, cancellationToken);
        audit.Change(callers.Current, "create-warehouse", $"warehouse:{id} project:{project}", outcome.ToString());
        switch (outcome)
        {
            case WarehouseCreateOutcome.NameTaken:
                return (ManagementErrors.Conflict($"Warehouse already exists: {name}"), null);
            case WarehouseCreateOutcome.ProjectNotFound:
                return (ManagementErrors.NoSuchProject(project.Value), null);
        }

        await authorizer.WriteRelationshipsAsync(
            [new Relationship(AuthzSubject.Of(AuthzObject.Project(project.ToString())), "project", AuthzObject.Warehouse(id.ToString()))],
            cancellationToken);
        return (null, created);
    }

    /// <summary>The warehouse as the API shows it: everything but the credential.</summary>
    public static void Describe(Utf8JsonWriter w, WarehouseRecord warehouse)
    {
        w.WriteStartObject();
        w.WriteString("id", warehouse.Id.Value);
        w.WriteString("name", warehouse.Name);
        w.WriteString("project-id", warehouse.ProjectId.Value);
        w.WritePropertyName("storage-profile");
        w.WriteRawValue(warehouse.StorageProfileJson);
        w.WritePropertyName("delete-profile");
        w.WriteRawValue(warehouse.DeleteProfileJson);
        w.WriteString("status", warehouse.Status);
        w.WriteBoolean("has-storage-credential", warehouse.StorageSecret is not null);
        w.WriteEndObject();
    }
}
