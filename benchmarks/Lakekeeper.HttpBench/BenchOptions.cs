using System.Globalization;

namespace Lakekeeper.HttpBench;

/// <summary>Command-line options shared by the scenarios: <c>--name value</c> pairs and flags.</summary>
internal sealed class BenchOptions
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.OrdinalIgnoreCase);

    private BenchOptions(string scenario) => Scenario = scenario;

    public string Scenario { get; }

    /// <summary>Seconds measured per target and round.</summary>
    public TimeSpan Duration => TimeSpan.FromSeconds(Number("duration", 10));

    /// <summary>Seconds of load per target before measuring (tiered JIT needs 10–15 s).</summary>
    public TimeSpan WarmUp => TimeSpan.FromSeconds(Number("warmup", 10));

    public int Concurrency => (int)Number("concurrency", 16);

    public int Rounds => (int)Number("rounds", 3);

    public static BenchOptions? Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
        {
            return null;
        }

        var options = new BenchOptions(args[0]);
        for (var i = 1; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal))
            {
                throw new ArgumentException($"Unexpected argument '{args[i]}'.");
            }

            var name = args[i][2..];
            var hasValue = i + 1 < args.Length && !args[i + 1].StartsWith("--", StringComparison.Ordinal);
            options._values[name] = hasValue ? args[++i] : null;
        }

        return options;
    }

    public bool Flag(string name) => _values.ContainsKey(name);

    public string? Text(string name) => _values.GetValueOrDefault(name);

    public double Number(string name, double fallback)
    {
        if (!_values.TryGetValue(name, out var text) || text is null)
        {
            return fallback;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
        {
            throw new ArgumentException($"--{name} must be a positive number, not '{text}'.");
        }

        return value;
    }
}
