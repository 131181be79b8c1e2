using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using Lakekeeper.Iceberg;

namespace Lakekeeper.Benchmarks;

public static class Program
{
    public static void Main(string[] args)
    {
        if (args is ["--quick", ..])
        {
            Quick();
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }

    /// <summary>A rough Stopwatch run of the metadata benchmarks for development (not a substitute for BenchmarkDotNet).</summary>
    private static void Quick()
    {
        var metadata = MetadataFixture.Build();
        var json = TableMetadataJson.Write(metadata);
        var (requirements, updates) = MetadataFixture.NextAppend(metadata);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"document: {json.Length / 1e6:F2} MB, {metadata.Snapshots.Length} snapshots, {metadata.CurrentSchema.Fields.Length} columns"));
        Measure("parse", json.Length, () => TableMetadataJson.Parse(json));
        Measure("write", json.Length, () => TableMetadataJson.Write(metadata));
        Measure("commit", 0, () => TableCommitEngine.Commit(metadata, "s3://m/00001-x.metadata.json", requirements, updates, 1_800_000_000_000));
    }

    private static void Measure(string name, long bytes, Func<object> action)
    {
        for (var i = 0; i < 5; i++)
        {
            action();
        }

        var best = double.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var sw = Stopwatch.StartNew();
            const int n = 10;
            for (var i = 0; i < n; i++)
            {
                action();
            }

            best = Math.Min(best, sw.Elapsed.TotalMilliseconds / n);
            if (round == 4)
            {
                var perOp = (GC.GetAllocatedBytesForCurrentThread() - allocated) / n;
                var rate = bytes > 0 ? string.Create(CultureInfo.InvariantCulture, $", {bytes / (best / 1000) / 1e6:F0} MB/s") : string.Empty;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {best:F3} ms{rate}, {perOp / 1024.0:F0} KB allocated"));
            }
        }
    }
}
