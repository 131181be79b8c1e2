using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Signer;

/// <summary>S3 signer behaviour (section <c>Signer</c>, variables <c>LAKEKEEPER__SIGNER__…</c>).</summary>
public sealed class SignerOptions
{
    public const string Section = "Signer";

    /// <summary>
    /// Largest sign request body in bytes. A DeleteObjects request carries its XML (at most 1000 keys of
    /// 1024 bytes), so 8 MiB leaves room for JSON escaping; anything larger is refused with 413.
    /// </summary>
    [Range(1024, 64L * 1024 * 1024)]
    public int MaxRequestBytes { get; set; } = 8 * 1024 * 1024;

    /// <summary>How long warehouse settings (storage profile, credential) are cached per process.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan WarehouseCacheDuration { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a table found by a sign request (its id, type and location) is reused per process (0 = look
    /// up every time). Bounds how long a dropped or renamed table's files stay signable under the old name.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan TableCacheDuration { get; set; } = TimeSpan.FromSeconds(2);
}
