using System.Text;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3.Sts;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Storage.Validation;

/// <summary>Checks a profile and credential before a warehouse is created or changed.</summary>
public interface IStorageValidator
{
    /// <summary>
    /// Static checks only (fields, credential type, server policy such as allowed file roots); no I/O.
    /// </summary>
    StorageValidationReport ValidateSettings(StorageProfile profile, StorageCredential? credential);

    /// <summary>
    /// The static checks, then a probe of the real storage: write a small object under the base
    /// location, read it back, list it, delete it, and confirm it is gone. Never throws for storage
    /// failures: each step is a <see cref="StorageCheckResult"/>, and steps after a failure are skipped.
    /// </summary>
    Task<StorageValidationReport> ValidateAsync(
        StorageProfile profile, StorageCredential? credential, CancellationToken cancellationToken);
}

public enum StorageCheckStatus
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>One check: <c>settings</c>, <c>write</c>, <c>read</c>, <c>list</c>, <c>delete</c>, and <c>sts</c> for S3 profiles that vend credentials.</summary>
public sealed record StorageCheckResult(string Check, StorageCheckStatus Status, string Message);

/// <summary>All checks of one validation; never contains a secret.</summary>
public sealed record StorageValidationReport(IReadOnlyList<StorageCheckResult> Checks)
{
    public bool Succeeded => Checks.All(c => c.Status == StorageCheckStatus.Passed);

    /// <summary>The messages of failed checks, one per line (for an error response).</summary>
    public string Describe() =>
        string.Join(Environment.NewLine, Checks.Where(c => c.Status == StorageCheckStatus.Failed).Select(c => $"{c.Check}: {c.Message}"));
}

internal sealed partial class StorageValidator(
    ObjectStoreFactory factory, IOptions<StorageOptions> options, IS3CredentialVendor vendor, ILogger<StorageValidator> logger) : IStorageValidator
{
    /// <summary>
    /// The one answer for every failed probe of an S3 endpoint: a closed port, a server that is not S3
    /// and a refusal must look alike to the caller (they would map the network otherwise); the
    /// details go to the log.
    /// </summary>
    internal const string UniformS3Failure =
        "the storage endpoint could not be used: it is unreachable, is not S3, or refused the bucket or credential (details in the server log)";

    internal const string ProbeFolderPrefix = ".lakekeeper-probe-";

    private static readonly string[] ProbeSteps = ["write", "read", "list", "delete"];

    public StorageValidationReport ValidateSettings(StorageProfile profile, StorageCredential? credential)
    {
        ArgumentNullException.ThrowIfNull(profile);
        return new StorageValidationReport([Settings(CheckSettings(profile, credential))]);
    }

    public async Task<StorageValidationReport> ValidateAsync(
        StorageProfile profile, StorageCredential? credential, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        var checks = new List<StorageCheckResult>();
        var errors = CheckSettings(profile, credential);
        checks.Add(Settings(errors));
        if (errors.Count > 0)
        {
            checks.AddRange(ProbeSteps.Select(s => new StorageCheckResult(s, StorageCheckStatus.Skipped, "skipped: the settings are invalid")));
            return new StorageValidationReport(checks);
        }

        var store = factory.Create(profile, credential, probe: true);
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(TimeSpan.FromSeconds(options.Value.ValidationTimeoutSeconds));
            await ProbeAsync(store, checks, deadline.Token, cancellationToken);
            if (profile is S3StorageProfile { StsEnabled: true } s3 && credential is S3AccessKeyCredential key)
            {
                await ProbeStsAsync(s3, key, store.BaseLocation, checks, deadline.Token, cancellationToken);
            }

            if (profile is S3StorageProfile)
            {
                MakeUniform(checks, profile);
            }
        }
        finally
        {
            (store as IDisposable)?.Dispose();
        }

        return new StorageValidationReport(checks);
    }

    /// <summary>The factory's checks and the server's endpoint policy (no I/O).</summary>
    private List<string> CheckSettings(StorageProfile profile, StorageCredential? credential)
    {
        var errors = new List<string>(factory.Check(profile, credential));
        if (S3EndpointPolicy.Check(profile, options.Value.AllowedS3Endpoints) is { } refused)
        {
            errors.Add(refused);
        }

        return errors;
    }

    private void MakeUniform(List<StorageCheckResult> checks, StorageProfile profile)
    {
        for (var i = 0; i < checks.Count; i++)
        {
            if (checks[i].Status == StorageCheckStatus.Failed && checks[i].Check != "settings")
            {
                LogProbeFailed(logger, (profile as S3StorageProfile)?.Describe() ?? profile.Type, checks[i].Check, checks[i].Message);
                checks[i] = checks[i] with { Message = UniformS3Failure };
            }
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "Storage probe of {Profile} failed at {Check}: {Detail}")]
    private static partial void LogProbeFailed(ILogger logger, string profile, string check, string detail);

    private static StorageCheckResult Settings(IReadOnlyList<string> errors) => errors.Count == 0
        ? new StorageCheckResult("settings", StorageCheckStatus.Passed, "profile and credential are well-formed")
        : new StorageCheckResult("settings", StorageCheckStatus.Failed, string.Join("; ", errors));

    private static async Task ProbeAsync(
        IObjectStore store, List<StorageCheckResult> checks, CancellationToken deadline, CancellationToken caller)
    {
        var folder = store.BaseLocation.AppendPath(ProbeFolderPrefix + Guid.NewGuid().ToString("N"));
        var probe = folder.AppendPath("probe.txt");
        var content = Encoding.UTF8.GetBytes($"lakekeeper storage validation {DateTimeOffset.UtcNow:O}\n");
        var written = false;
        try
        {
            if (!await StepAsync(checks, "write", $"wrote {probe}", async () =>
                {
                    var result = await store.WriteAsync(probe, content, createOnly: true, deadline);
                    written = true;
                    return result == StorageWriteResult.Written ? null : "a probe object with a fresh random name already existed";
                }, caller))
            {
                SkipRest(checks, "write");
                return;
            }

            if (!await StepAsync(checks, "read", "read the probe back", async () =>
                {
                    var read = await store.ReadAsync(probe, deadline);
                    return !read.Found ? "the probe object was not found right after writing it"
                        : !read.Content.Span.SequenceEqual(content) ? "the probe object came back with different content"
                        : null;
                }, caller))
            {
                SkipRest(checks, "read");
                return;
            }

            if (!await StepAsync(checks, "list", $"listed {folder}", async () =>
                {
                    await foreach (var item in store.ListAsync(folder, deadline))
                    {
                        if (item.Location.Equals(probe))
                        {
                            return null;
                        }
                    }

                    return "listing did not show the probe object";
                }, caller))
            {
                SkipRest(checks, "list");
                return;
            }

            await StepAsync(checks, "delete", "deleted the probe", async () =>
            {
                await store.DeleteAsync(probe, deadline);
                written = false;
                return await store.ExistsAsync(probe, deadline)
                    ? "the probe object still exists after deleting it"
                    : null;
            }, caller);
        }
        finally
        {
            // An S3 probe whose write failed left nothing behind: no further request to that endpoint.
            if (written || store is not S3.S3ObjectStore || checks.Any(c => c.Check == "write" && c.Status == StorageCheckStatus.Passed))
            {
                await CleanUpAsync(store, folder, written);
            }
        }
    }

    /// <summary>
    /// <c>sts</c>: STS issues credentials scoped to a probe location with the profile's role (run after
    /// the storage probe passed; the credentials are not used or kept).
    /// </summary>
    private async Task ProbeStsAsync(
        S3StorageProfile profile, S3AccessKeyCredential key, StorageLocation baseLocation, List<StorageCheckResult> checks,
        CancellationToken deadline, CancellationToken caller)
    {
        if (checks.Any(c => c.Status != StorageCheckStatus.Passed))
        {
            checks.Add(new StorageCheckResult("sts", StorageCheckStatus.Skipped, "skipped: the storage probe failed"));
            return;
        }

        var probe = baseLocation.AppendPath(ProbeFolderPrefix + Guid.NewGuid().ToString("N"));
        await StepAsync(checks, "sts", "STS issued credentials scoped to a probe location", async () =>
        {
            await vendor.VendAsync("validation:" + Guid.NewGuid().ToString("N"), profile, key, probe, S3.Sts.S3AccessLevel.ReadWriteDelete, deadline);
            return null;
        }, caller);
    }

    /// <summary>Runs one step; a failure becomes a failed check (never a secret, never an exception).</summary>
    private static async Task<bool> StepAsync(
        List<StorageCheckResult> checks, string name, string success, Func<Task<string?>> step, CancellationToken caller)
    {
        string? problem;
        try
        {
            problem = await step();
        }
        catch (StorageException ex)
        {
            problem = $"{ex.Message} [{ex.Kind}]";
        }
        catch (OperationCanceledException) when (!caller.IsCancellationRequested)
        {
            problem = "timed out (LAKEKEEPER__STORAGE__VALIDATIONTIMEOUTSECONDS)";
        }

        checks.Add(problem is null
            ? new StorageCheckResult(name, StorageCheckStatus.Passed, success)
            : new StorageCheckResult(name, StorageCheckStatus.Failed, problem));
        return problem is null;
    }

    private static void SkipRest(List<StorageCheckResult> checks, string failed)
    {
        foreach (var step in ProbeSteps.SkipWhile(s => s != failed).Skip(1))
        {
            checks.Add(new StorageCheckResult(step, StorageCheckStatus.Skipped, $"skipped: the {failed} check failed"));
        }
    }

    /// <summary>Removes the probe folder (file stores keep empty folders otherwise); best effort.</summary>
    private static async Task CleanUpAsync(IObjectStore store, StorageLocation folder, bool written)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            if (written)
            {
                await store.DeleteAsync(folder.AppendPath("probe.txt"), timeout.Token);
            }

            await store.DeletePrefixAsync(folder, timeout.Token);
        }
        catch (StorageException)
        {
            // The probe is tiny and has a recognisable name; a failed check already says what is wrong.
        }
        catch (OperationCanceledException)
        {
            // As above.
        }
    }
}
