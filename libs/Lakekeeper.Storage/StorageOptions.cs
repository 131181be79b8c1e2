using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Storage;

/// <summary>Object storage settings (section <c>Storage</c>, variables <c>LAKEKEEPER__STORAGE__…</c>).</summary>
public sealed class StorageOptions : IValidatableObject
{
    public const string Section = "Storage";

    /// <summary>
    /// Folders under which <c>file</c> warehouses may be created (<c>LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0</c>,
    /// …). Empty (the default): no <c>file</c> warehouses, so a management API user cannot make the
    /// server write to arbitrary folders.
    /// </summary>
    public List<string> AllowedFileRoots { get; set; } = [];

    /// <summary>Largest object <c>ReadAsync</c> returns, in bytes (metadata files; default 128 MiB).</summary>
    [Range(1024, int.MaxValue, ErrorMessage = "must be between {1} and {2}")]
    public long MaxReadBytes { get; set; } = 128L * 1024 * 1024;

    /// <summary>Time limit of one S3 request attempt, in seconds.</summary>
    [Range(1, 600, ErrorMessage = "must be between {1} and {2}")]
    public int RequestTimeoutSeconds { get; set; } = 30;

    /// <summary>Time limit for opening a connection to S3, in seconds.</summary>
    [Range(1, 120, ErrorMessage = "must be between {1} and {2}")]
    public int ConnectTimeoutSeconds { get; set; } = 5;

    /// <summary>Retries of a failed S3 request (throttling, 5xx, network), with the SDK's backoff.</summary>
    [Range(0, 10, ErrorMessage = "must be between {1} and {2}")]
    public int MaxRetries { get; set; } = 3;

    /// <summary>Object stores kept in memory (one per warehouse profile and credential).</summary>
    [Range(1, 100_000, ErrorMessage = "must be between {1} and {2}")]
    public int MaxCachedStores { get; set; } = 1024;

    /// <summary>
    /// Overall time limit of a storage validation (write, read, list, delete probe), in seconds. The
    /// probe makes no retries, so a caller cannot tie a request up for long.
    /// </summary>
    [Range(1, 600, ErrorMessage = "must be between {1} and {2}")]
    public int ValidationTimeoutSeconds { get; set; } = 10;

    /// <summary>
    /// S3 endpoints warehouses may name besides AWS's own, comma-separated <c>host[:port]</c> with
    /// <c>*.</c> host and <c>*</c> port wildcards (<c>LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS</c>,
    /// e.g. <c>minio.storage.svc:9000,*.r2.cloudflarestorage.com</c>). Unset: AWS only. See
    /// <see cref="Validation.S3EndpointPolicy"/>.
    /// </summary>
    [Microsoft.Extensions.Configuration.ConfigurationKeyName("ALLOWED_S3_ENDPOINTS")]
    public string? AllowedS3Endpoints { get; set; }

    /// <summary>Vended credentials kept in memory (one per warehouse, table location and access level).</summary>
    [Range(1, 1_000_000, ErrorMessage = "must be between {1} and {2}")]
    public int MaxCachedCredentials { get; set; } = 10_000;

    /// <summary>
    /// Default table locations end in <c>-&lt;table uuid&gt;</c> (see docs/storage.md: keeps locations
    /// distinct after renames and drops).
    /// </summary>
    public bool UniqueTableLocation { get; set; } = true;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < AllowedFileRoots.Count; i++)
        {
            var root = AllowedFileRoots[i];
            var member = $"{nameof(AllowedFileRoots)}:{i}";
            if (string.IsNullOrEmpty(root) || !root.StartsWith('/'))
            {
                yield return new ValidationResult("must be an absolute path", [member]);
            }
            else if (root.AsSpan().TrimEnd('/').IsEmpty)
            {
                yield return new ValidationResult("must not be '/'", [member]);
            }
            else if (!Locations.StorageLocation.TryParse("file://" + root, out _, out var error))
            {
                yield return new ValidationResult(error, [member]);
            }
        }
    }

    /// <summary>The allowed roots as locations (valid after options validation).</summary>
    internal IReadOnlyList<Locations.StorageLocation> AllowedFileRootLocations() =>
        [.. AllowedFileRoots.Select(r => Locations.StorageLocation.Parse("file://" + r))];
}
