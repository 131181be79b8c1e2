using System.Text.Json;
using Lakekeeper.Authz;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.Validation;

namespace Lakekeeper.Management;

/// <summary>One named check of a validation, as Lakekeeper's <c>ValidationCheck</c> names them.</summary>
internal sealed record ValidationCheck(string Name, StorageCheckStatus Status, string Message);

/// <summary>
/// Changing a warehouse's storage (<c>POST /warehouse/{id}/storage</c>) and its dry run
/// (<c>…/storage/validate-profile</c>): the new profile must be well-formed, keep the warehouse's
/// location (same type, bucket and key prefix; for S3 the region may change only with an endpoint),
/// and pass the storage probe (write, read, list, delete; and STS when it vends credentials). The
/// credential, when left out, stays the stored one. An update bumps the warehouse version, which
/// load ETags and the credential cache follow.
/// </summary>
internal sealed class WarehouseStorageService(
    WarehouseRepository warehouses, ISecretProtector secrets, IStorageValidator validator, IAuthorizer authorizer)
{
    /// <summary>Lakekeeper's action for changing a warehouse's storage.</summary>
    internal const string CanUpdateStorage = "can_update_storage";

    public async Task<(ErrorResponse? Error, IReadOnlyList<ValidationCheck> Checks, WarehouseRecord? Updated)> UpdateAsync(
        WarehouseId id, ReadOnlyMemory<byte> body, bool dryRun, CancellationToken cancellationToken)
    {
        var current = await warehouses.GetAsync(id, cancellationToken);
        if (current is null || !await authorizer.CheckAsync(Principal.Anonymous, AuthzObject.Warehouse(id.ToString()), CanUpdateStorage, cancellationToken))
        {
            return (ManagementErrors.NoSuchWarehouse(id.ToString()), [], null);
        }

        using var document = ManagementJson.TryParse(body, out var parseError);
        if (document is null)
        {
            return (ManagementErrors.BadRequest(parseError!), [], null);
        }

        var root = document.RootElement;
        if (!root.TryGetProperty("storage-profile", out var profileElement) || profileElement.ValueKind != JsonValueKind.Object)
        {
            return (ManagementErrors.BadRequest("storage-profile is required"), [], null);
        }

        if (!StorageJson.TryDeserializeProfile(profileElement.GetRawText(), out var profile, out var profileError))
        {
            return (ManagementErrors.BadRequest(profileError), [], null);
        }

        StorageCredential? credential;
        if (root.TryGetProperty("storage-credential", out var credentialElement) && credentialElement.ValueKind != JsonValueKind.Null)
        {
            if (!StorageJson.TryDeserializeCredential(credentialElement.GetRawText(), out credential, out var credentialError))
            {
                return (ManagementErrors.BadRequest(credentialError), [], null);
            }
        }
        else
        {
            credential = Stored(current);
        }

        var checks = new List<ValidationCheck>();
        var settings = validator.ValidateSettings(profile, credential);
        checks.Add(new ValidationCheck("profile-well-formed", settings.Succeeded ? StorageCheckStatus.Passed : StorageCheckStatus.Failed,
            settings.Succeeded ? "the profile and credential are well-formed" : settings.Describe()));
        var incompatible = settings.Succeeded ? Incompatibility(current, profile) : null;
        checks.Add(!settings.Succeeded
            ? new ValidationCheck("profile-compatible", StorageCheckStatus.Skipped, "skipped: the profile is not well-formed")
            : new ValidationCheck("profile-compatible", incompatible is null ? StorageCheckStatus.Passed : StorageCheckStatus.Failed,
                incompatible ?? "the profile keeps the warehouse's location"));

        if (!settings.Succeeded || incompatible is not null)
        {
            checks.Add(new ValidationCheck("lakekeeper-read-write", StorageCheckStatus.Skipped, "skipped: an earlier check failed"));
            return dryRun ? (null, checks, null) : (ManagementErrors.BadRequest("Invalid storage settings: " + (incompatible ?? settings.Describe())), checks, null);
        }

        StorageValidationReport probe;
        try
        {
            probe = await validator.ValidateAsync(profile, credential, cancellationToken);
        }
        catch (StorageException ex) when (ex.Kind == StorageErrorKind.Invalid)
        {
            return (ManagementErrors.BadRequest("Storage not usable: " + ex.Message), checks, null);
        }

        var storage = probe.Checks.Where(c => c.Check is "write" or "read" or "list" or "delete").ToList();
        var storageFailed = storage.FirstOrDefault(c => c.Status == StorageCheckStatus.Failed);
        checks.Add(new ValidationCheck("lakekeeper-read-write", storageFailed is null ? StorageCheckStatus.Passed : StorageCheckStatus.Failed,
            storageFailed is null ? "wrote, read, listed and deleted a probe object" : $"{storageFailed.Check}: {storageFailed.Message}"));
        if (probe.Checks.FirstOrDefault(c => c.Check == "sts") is { } sts)
        {
            checks.Add(new ValidationCheck("vended-credentials-issued", sts.Status, sts.Message));
        }

        if (dryRun)
        {
            return (null, checks, null);
        }

        if (!probe.Succeeded)
        {
            return (ManagementErrors.BadRequest("Storage validation failed: " + probe.Describe()), checks, null);
        }

        var secret = credential is null ? null : secrets.Protect(StorageJson.SerializeToUtf8Bytes(credential), WarehouseSecrets.AssociatedData(id));
        var updated = await warehouses.UpdateStorageAsync(id, StorageJson.Serialize(profile), secret, cancellationToken);
        return updated is null ? (ManagementErrors.NoSuchWarehouse(id.ToString()), checks, null) : (null, checks, updated);
    }

    /// <summary>Why <paramref name="profile"/> would move the warehouse's data, or null.</summary>
    private static string? Incompatibility(WarehouseRecord current, StorageProfile profile)
    {
        var (existing, _) = StorageJson.ReadStored(current.Id.ToString(), current.StorageProfileJson, []);

        return (existing, profile) switch
        {
            (S3StorageProfile a, S3StorageProfile b) when a.Bucket != b.Bucket => "bucket: cannot change (the warehouse's data is there)",
            (S3StorageProfile a, S3StorageProfile b) when a.NormalizedKeyPrefix != b.NormalizedKeyPrefix => "key-prefix: cannot change (the warehouse's data is there)",
            (S3StorageProfile a, S3StorageProfile b) when a.Region != b.Region && b.Endpoint is null =>
                "region: may change only when an endpoint is set (the region then only signs requests)",
            (FileStorageProfile a, FileStorageProfile b) when a.BaseLocation != b.BaseLocation => "root: cannot change (the warehouse's data is there)",
            _ when existing.Type != profile.Type => $"type: cannot change from '{existing.Type}' to '{profile.Type}'",
            _ => null,
        };
    }

    private StorageCredential? Stored(WarehouseRecord record) =>
        StorageJson.ReadStored(record.Id.ToString(), record.StorageProfileJson,
            record.StorageSecret is { } secret ? secrets.Unprotect(secret, WarehouseSecrets.AssociatedData(record.Id)) : []).Credential;

    /// <summary>Lakekeeper's <c>ValidateWarehouseResponse</c>: <c>{"valid": …, "checks": [{"name","status","error"?,"reason"?}]}</c>.</summary>
    public static void WriteReport(Utf8JsonWriter w, IReadOnlyList<ValidationCheck> checks)
    {
        w.WriteStartObject();
        w.WriteBoolean("valid", checks.All(c => c.Status != StorageCheckStatus.Failed));
        w.WriteStartArray("checks");
        foreach (var check in checks)
        {
            w.WriteStartObject();
            w.WriteString("name", check.Name);
            w.WriteString("status", check.Status switch
            {
                StorageCheckStatus.Passed => "passed",
                StorageCheckStatus.Failed => "failed",
                _ => "skipped",
            });
            if (check.Status == StorageCheckStatus.Failed)
            {
                w.WritePropertyName("error");
                new ErrorResponse(400, "StorageValidationFailed", check.Message).WriteTo(w);
            }
            else if (check.Status == StorageCheckStatus.Skipped)
            {
                w.WriteString("reason", check.Message);
            }

            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }
}
