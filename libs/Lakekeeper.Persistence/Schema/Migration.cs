using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Lakekeeper.Persistence.Schema;

/// <summary>One embedded SQL migration, <c>Migrations/NNNN_name.sql</c>.</summary>
public sealed record Migration(int Version, string Name, string Sql)
{
    /// <summary>SHA-256 of the script; an applied migration must never change.</summary>
    public string Checksum { get; } = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Sql)));
}

/// <summary>The migrations compiled into this assembly, in version order.</summary>
public static partial class EmbeddedMigrations
{
    private static readonly Lazy<IReadOnlyList<Migration>> All = new(Load);

    public static IReadOnlyList<Migration> List => All.Value;

    /// <summary>The schema version this build needs.</summary>
    public static int LatestVersion => List[^1].Version;

    private static IReadOnlyList<Migration> Load()
    {
        var assembly = typeof(EmbeddedMigrations).Assembly;
        var migrations = new List<Migration>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var match = ResourceName().Match(resource);
            if (!match.Success)
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream, Encoding.UTF8);
            migrations.Add(new Migration(
                int.Parse(match.Groups["version"].Value, System.Globalization.CultureInfo.InvariantCulture),
                match.Groups["name"].Value,
                reader.ReadToEnd()));
        }

        migrations.Sort((a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < migrations.Count; i++)
        {
            if (migrations[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Migrations must be numbered 1, 2, 3… without gaps; found {migrations[i].Version} at position {i + 1}.");
            }
        }

        return migrations;
    }

    [GeneratedRegex(@"\.Migrations\.(?<version>\d{4})_(?<name>[a-z0-9_]+)\.sql$")]
    private static partial Regex ResourceName();
}
