using System.Globalization;

namespace Lakekeeper.GrpcBench;

/// <summary>Command-line settings: warm-up and measurement durations, concurrency levels, rounds per throughput cell.</summary>
internal sealed record BenchSettings(TimeSpan Warmup, TimeSpan Measure, int SequentialCalls, int[] Concurrency, int Rounds)
{
    public static BenchSettings Parse(string[] args)
    {
        var warmup = 10.0;
        var seconds = 2.0;
        var rounds = 5;
        var calls = 20_000;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = double.Parse(args[i + 1], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--warmup":
                    warmup = value;
                    break;
                case "--seconds":
                    seconds = value;
                    break;
                case "--rounds":
                    rounds = (int)value;
                    break;
                case "--calls":
                    calls = (int)value;
                    break;
                default:
                    throw new ArgumentException($"Unknown option {args[i]}; use --warmup <s> --seconds <s> --rounds <n> --calls <n>.");
            }
        }

        return new BenchSettings(TimeSpan.FromSeconds(warmup), TimeSpan.FromSeconds(seconds), calls, [1, 4, 16], rounds);
    }
}
