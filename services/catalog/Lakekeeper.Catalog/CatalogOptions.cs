using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Catalog;

/// <summary>Catalog behaviour (section <c>Catalog</c>).</summary>
public sealed class CatalogOptions
{
    public const string Section = "Catalog";

    /// <summary>
    /// Warehouse (name in the default project) served on routes without a <c>{prefix}</c>. Unset:
    /// such requests get a 400 that says to call <c>/v1/config?warehouse=…</c> first.
    /// </summary>
    public string? DefaultWarehouse { get; set; }

    [Range(1, 10_000)]
    public int PageSizeDefault { get; set; } = 100;

    [Range(1, 10_000)]
    public int PageSizeMax { get; set; } = 1000;

    /// <summary>How long an Idempotency-Key outcome is kept and replayed (advertised in config).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan IdempotencyKeyLifetime { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>Attempts of one commit against concurrent writers before answering 409.</summary>
    [Range(1, 100)]
    public int CommitAttempts { get; set; } = 10;

    /// <summary>Parsed metadata kept in memory for commits and <c>snapshots=refs</c> loads.</summary>
    [Range(0, 65_536)]
    public int MetadataCacheMegabytes { get; set; } = 128;

    /// <summary>How long warehouse settings (storage profile, credential) are cached per process.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan WarehouseCacheDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Serve the change log at <c>POST /v1/{prefix}/events</c> (and advertise it in <c>/config</c>).</summary>
    public bool EventsApi { get; set; } = true;

    /// <summary>Longest identifier (namespace level, table or view name) accepted.</summary>
    [Range(1, 1024)]
    public int MaxNameLength { get; set; } = 256;

    /// <summary>Largest value of one property of a namespace, table or view, in UTF-8 bytes.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPropertyValueBytes { get; set; } = 64 * 1024;

    /// <summary>Largest total of all property keys and values of one namespace, table or view, in UTF-8 bytes.</summary>
    [Range(1, int.MaxValue)]
    public int MaxPropertiesBytes { get; set; } = 1024 * 1024;

    /// <summary>Largest table or view metadata document a commit may write, in bytes (uncompressed JSON).</summary>
    [Range(1024, int.MaxValue)]
    public int MaxMetadataBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>Largest metrics report accepted, in bytes.</summary>
    [Range(1, int.MaxValue)]
    public int MaxMetricsReportBytes { get; set; } = 256 * 1024;

    /// <summary>Metrics reports kept per table: the oldest beyond this are deleted as new ones arrive.</summary>
    [Range(0, 1_000_000)]
    public int MetricsReportsPerTable { get; set; } = 100;
}
