using System.Diagnostics;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Persistence.Repositories;
using Lakekeeper.Security.Secrets;
using Lakekeeper.Storage;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.Validation;

namespace Lakekeeper.Management;

/// <summary>
/// The checks of a validation, in execution order, named as Lakekeeper names them
/// (<c>profile-well-formed</c>, <c>lakekeeper-read-write</c>, …). A failed check is a result, not
/// an error; what follows a failure that it depends on is skipped with the reason.
/// </summary>
internal sealed class ValidationChecks
{
    private readonly List<ValidationCheck> _checks = [];

    public IReadOnlyList<ValidationCheck> All => _checks;

    public bool Failed => _checks.Any(c => c.Status == "failed");

    public void Passed(string name, long? durationMs = null) => _checks.Add(new ValidationCheck(name, "passed", durationMs, null, null));

    public void Fail(string name, string message, long? durationMs = null) =>
        _checks.Add(new ValidationCheck(name, "failed", durationMs, new ErrorModel(message, "ValidationFailed", 400), null));

    public void Skip(string name, string reason) => _checks.Add(new ValidationCheck(name, "skipped", null, null, reason));

    /// <summary>Passed when <paramref name="problem"/> is null, failed with it otherwise.</summary>
    public bool Check(string name, string? problem)
    {
        if (problem is null)
        {
            Passed(name);
            return true;
        }

        Fail(name, problem);
        return false;
    }

    /// <summary>The failures in one line, for the 400 of a real (not dry-run) change.</summary>
    public string Describe() =>
        string.Join("; ", _checks.Where(c => c.Status == "failed").Select(c => $"{c.Name}: {c.Error!.Message}"));

    public ValidateWarehouseResponse ToResponse() => new(!Failed, _checks);
}

/// <summary>
/// Storage of a warehouse: its probes and the changes that keep its location. A new profile must
/// be well-formed and keep the warehouse's location (same type, bucket and key prefix; for S3 the
/// region may change only with an endpoint, which then decides where requests go); a new
/// credential must work with the profile. Both are probed (write, read, list, delete) before
/// anything is stored. Stored credentials are encrypted bound to the warehouse id; a replaced one is
/// overwritten in its row and dropped from this process's store cache.
/// </summary>
internal sealed class WarehouseStorageService(
    WarehouseRepository warehouses, ISecretProtector secrets, IStorageValidator validator, IObjectStoreFactory stores)
{
    /// <summary><c>profile-well-formed</c>: the static checks (fields, credential kind, server policy); no I/O.</summary>
    public bool WellFormed(ValidationChecks checks, StorageProfile profile, StorageCredential? credential)
    {
        var settings = validator.ValidateSettings(profile, credential);
        return checks.Check("profile-well-formed", settings.Succeeded ? null : settings.Describe());
    }

    /// <summary>The static checks, then (unless something failed already) the probe of the storage.</summary>
    public async Task ProbeAsync(ValidationChecks checks, StorageProfile profile, StorageCredential? credential, bool earlierFailed, CancellationToken cancellationToken)
    {
        var wellFormed = WellFormed(checks, profile, credential);
        await ReadWriteAsync(checks, profile, credential, !wellFormed ? "skipped: the profile is not well-formed" : earlierFailed ? "skipped: an earlier check failed" : null, cancellationToken);
    }

    /// <summary>
    /// <c>lakekeeper-read-write</c> and <c>cleanup</c>: write, read and list a probe object, then delete
    /// it; between them <c>vended-credentials-issued</c> when the profile vends STS credentials (the
    /// probe asks STS for them). Skipped with <paramref name="skip"/> as the reason when given.
    /// </summary>
    public async Task ReadWriteAsync(ValidationChecks checks, StorageProfile profile, StorageCredential? credential, string? skip, CancellationToken cancellationToken)
    {
        if (skip is not null)
        {
            checks.Skip("lakekeeper-read-write", skip);
            checks.Skip("cleanup", skip);
            return;
        }

        var clock = Stopwatch.StartNew();
        StorageValidationReport probe;
        try
        {
            probe = await validator.ValidateAsync(profile, credential, cancellationToken);
        }
        catch (StorageException ex) when (ex.Kind == StorageErrorKind.Invalid)
        {
            checks.Fail("lakekeeper-read-write", "storage not usable: " + ex.Message, clock.ElapsedMilliseconds);
            checks.Skip("cleanup", "skipped: nothing was written");
            return;
        }

        var elapsed = clock.ElapsedMilliseconds;
        var readWrite = probe.Checks.Where(c => c.Check is "write" or "read" or "list").ToList();
        var failed = readWrite.FirstOrDefault(c => c.Status == StorageCheckStatus.Failed);
        if (failed is not null)
        {
            checks.Fail("lakekeeper-read-write", $"storage validation failed: {failed.Check}: {failed.Message}", elapsed);
        }
        else
        {
            checks.Passed("lakekeeper-read-write", elapsed);
        }

        switch (probe.Checks.FirstOrDefault(c => c.Check == "sts"))
        {
            case { Status: StorageCheckStatus.Passed }:
                checks.Passed("vended-credentials-issued");
                break;
            case { Status: StorageCheckStatus.Failed } sts:
                checks.Fail("vended-credentials-issued", "STS did not issue credentials: " + sts.Message);
                break;
            case { } sts:
                checks.Skip("vended-credentials-issued", sts.Message);
                break;
        }

        switch (probe.Checks.FirstOrDefault(c => c.Check == "delete"))
        {
            case { Status: StorageCheckStatus.Passed }:
                checks.Passed("cleanup");
                break;
            case { Status: StorageCheckStatus.Failed } delete:
                checks.Fail("cleanup", "deleting the probe object failed: " + delete.Message);
                break;
            default:
                checks.Skip("cleanup", "skipped: the probe did not get that far");
                break;
        }
    }

    /// <summary>Why <paramref name="profile"/> would move the data of <paramref name="current"/>, or null.</summary>
    public static string? Incompatibility(StorageProfile current, StorageProfile profile) => (current, profile) switch
    {
        _ when current.Type != profile.Type => $"type: cannot change from '{current.Type}' to '{profile.Type}'",
        (S3StorageProfile a, S3StorageProfile b) when a.Bucket != b.Bucket => "bucket: cannot change (the warehouse's data is there)",
        (S3StorageProfile a, S3StorageProfile b) when a.NormalizedKeyPrefix.TrimStart('/') != b.NormalizedKeyPrefix.TrimStart('/') =>
            "key-prefix: cannot change (the warehouse's data is there)",
        (S3StorageProfile a, S3StorageProfile b) when a.Region != b.Region && b.Endpoint is null =>
            "region: may change only when an endpoint is set (the endpoint then decides where requests go)",
        _ when current.BaseLocation != profile.BaseLocation => "the new profile points to another location (the warehouse's data is in " + current.BaseLocation + ")",
        _ => null,
    };

    /// <summary>The stored profile and decrypted credential (the one reading the catalog and the signer share).</summary>
    public (StorageProfile Profile, StorageCredential? Credential) Stored(WarehouseRecord record) =>
        StorageJson.ReadStored(record.Id.ToString(), record.StorageProfileJson,
            record.StorageSecret is { } secret ? secrets.Unprotect(secret, WarehouseSecrets.AssociatedData(record.Id)) : []);

    /// <summary>Drops the store of a replaced or deleted credential from this process's cache.</summary>
    public void Forget(StorageProfile profile, StorageCredential? credential) => stores.Forget(profile, credential);

    public byte[]? Protect(WarehouseId id, StorageCredential? credential) =>
        credential is null ? null : secrets.Protect(StorageJson.SerializeToUtf8Bytes(credential), WarehouseSecrets.AssociatedData(id));

    /// <summary>
    /// <c>POST …/storage</c> and its dry run <c>…/storage/validate-profile</c>. Without a credential in
    /// the request the stored one is kept (Lakekeeper would store none; removing one is what
    /// <c>…/storage-credential</c> without a credential does).
    /// </summary>
    public async Task<(ValidationChecks Checks, WarehouseRecord? Updated)> UpdateProfileAsync(
        WarehouseRecord current, StorageProfile profile, StorageCredential? credential, bool dryRun, CancellationToken cancellationToken)
    {
        var checks = new ValidationChecks();
        var (storedProfile, storedCredential) = Stored(current);
        credential ??= storedCredential;
        var wellFormed = WellFormed(checks, profile, credential);
        // Static and independent of the other: a profile of another type with the stored credential
        // fails both, and the answer names both.
        var compatible = checks.Check("profile-compatible", Incompatibility(storedProfile, profile));

        await ReadWriteAsync(checks, profile, credential,
            !wellFormed ? "skipped: the profile is not well-formed" : !compatible ? "skipped: an earlier check failed" : null, cancellationToken);
        if (dryRun || checks.Failed)
        {
            return (checks, null);
        }

        var updated = await warehouses.UpdateStorageAsync(current.Id, StorageJson.Serialize(profile), Protect(current.Id, credential), cancellationToken);
        stores.Forget(storedProfile, storedCredential);
        return (checks, updated);
    }

    /// <summary><c>POST …/storage-credential</c> and its dry run <c>…/storage/validate-credential</c>; null removes the credential.</summary>
    public async Task<(ValidationChecks Checks, WarehouseRecord? Updated)> UpdateCredentialAsync(
        WarehouseRecord current, StorageCredential? credential, bool dryRun, CancellationToken cancellationToken)
    {
        var checks = new ValidationChecks();
        var (profile, storedCredential) = Stored(current);
        await ProbeAsync(checks, profile, credential, earlierFailed: false, cancellationToken);
        if (dryRun || checks.Failed)
        {
            return (checks, null);
        }

        var updated = await warehouses.UpdateCredentialAsync(current.Id, Protect(current.Id, credential), cancellationToken);
        stores.Forget(profile, storedCredential);
        return (checks, updated);
    }

    /// <summary><c>POST …/storage/validate-access</c>: the stored profile and credential, probed as they are.</summary>
    public async Task<ValidationChecks> ValidateStoredAsync(WarehouseRecord current, CancellationToken cancellationToken)
    {
        var checks = new ValidationChecks();
        var (profile, credential) = Stored(current);
        await ProbeAsync(checks, profile, credential, earlierFailed: false, cancellationToken);
        return checks;
    }

    /// <summary>
    /// The stored credential's kind (never its values), as <c>storage-credential-type</c>. S3 access
    /// keys are the only kind there is, so the envelope need not be opened to tell.
    /// </summary>
    public static StorageCredentialType? CredentialType(WarehouseRecord record) =>
        record.StorageSecret is null ? null : new StorageCredentialType(S3AccessKeyCredential.TypeName, S3AccessKeyCredential.CredentialTypeName);

    /// <summary>The base location of a stored profile (for the overlap check), or null when it cannot be read.</summary>
    public static StorageLocation? BaseLocationOf(string profileJson) =>
        StorageJson.TryDeserializeProfile(profileJson, out var profile, out _) ? profile.BaseLocation : null;
}
