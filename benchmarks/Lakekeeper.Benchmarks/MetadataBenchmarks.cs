using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;
using Lakekeeper.Iceberg;

namespace Lakekeeper.Benchmarks;

/// <summary>
/// Table metadata with 10,000 snapshots and a 200-column schema: parse, write and one
/// append commit (add-snapshot + set-snapshot-ref). Parse/write report MB/s of the JSON document.
/// </summary>
[Config(typeof(MetadataBenchmarkConfig))]
[MemoryDiagnoser]
public class MetadataBenchmarks
{
    private TableMetadata _metadata = null!;
    private byte[] _json = null!;
    private TableRequirement[] _requirements = null!;
    private TableUpdate[] _updates = null!;

    [GlobalSetup]
    public void Setup()
    {
        _metadata = MetadataFixture.Build();
        _json = TableMetadataJson.Write(_metadata);
        (_requirements, _updates) = MetadataFixture.NextAppend(_metadata);
        if (TableMetadataJson.Parse(_json).IsFailure || TableCommitEngine.Commit(_metadata, "s3://m/00100-x.metadata.json", _requirements, _updates, 1).IsFailed)
        {
            throw new InvalidOperationException("benchmark fixture is invalid");
        }
    }

    [Benchmark]
    public TableMetadata ParseMetadata() => TableMetadataJson.Parse(_json).Value;

    [Benchmark]
    public byte[] WriteMetadata() => TableMetadataJson.Write(_metadata);

    [Benchmark]
    public CommitOutcome<TableMetadata> CommitAppend() =>
        TableCommitEngine.Commit(_metadata, "s3://warehouse-bucket/analytics/events/metadata/00100-x.metadata.json", _requirements, _updates, 1_800_000_000_000);
}

/// <summary>A short job (3 warmups, 5 iterations) so the suite finishes in a few minutes on 2 cores, plus an MB/s column.</summary>
public sealed class MetadataBenchmarkConfig : ManualConfig
{
    public MetadataBenchmarkConfig()
    {
        AddJob(Job.ShortRun.WithWarmupCount(3).WithIterationCount(5).WithLaunchCount(1));
        AddColumn(new ThroughputColumn());
    }
}

/// <summary>Document size divided by the mean time, for the parse and write benchmarks.</summary>
public sealed class ThroughputColumn : IColumn
{
    public string Id => nameof(ThroughputColumn);

    public string ColumnName => "MB/s";

    public bool AlwaysShow => true;

    public ColumnCategory Category => ColumnCategory.Custom;

    public int PriorityInCategory => 0;

    public bool IsNumeric => true;

    public UnitType UnitType => UnitType.Dimensionless;

    public string Legend => "Megabytes (10^6) of metadata JSON per second (parse/write only)";

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var name = benchmarkCase.Descriptor.WorkloadMethod.Name;
        var report = summary[benchmarkCase];
        if (report?.ResultStatistics is not { } stats || !name.EndsWith("Metadata", StringComparison.Ordinal))
        {
            return "-";
        }

        // Benchmarks run in a child process, so the host computes the document size itself.
        var mbPerSecond = DocumentSize.Value / (stats.Mean / 1e9) / 1e6;
        return mbPerSecond.ToString("F0", System.Globalization.CultureInfo.InvariantCulture);
    }

    public bool IsAvailable(Summary summary) => true;

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;

    private static readonly Lazy<long> DocumentSize = new(() => TableMetadataJson.Write(MetadataFixture.Build()).Length);
}
