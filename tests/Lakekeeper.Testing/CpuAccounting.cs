using System.Globalization;

namespace Lakekeeper.Testing;

/// <summary>
/// CPU time by process name (Linux <c>/proc</c>): where a cell's CPU went, to explain a ratio. The
/// benchmark's own process is counted as <c>bench</c>; processes that exit between two snapshots are lost.
/// </summary>
public static class CpuAccounting
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux.

    public static Dictionary<string, double> Snapshot()
    {
        var self = Environment.ProcessId;
        var seconds = new Dictionary<string, double>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid))
            {
                continue;
            }

            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(dir, "stat"));
            }
            catch (IOException)
            {
                continue;
            }
            catch (UnauthorizedAccessException)
            {
                continue;
            }

            var open = stat.IndexOf('(', StringComparison.Ordinal);
            var close = stat.LastIndexOf(')');
            var name = pid == self ? "bench" : stat[(open + 1)..close];
            if (name == "dotnet")
            {
                name = HostName(dir) ?? name;
            }

            var fields = stat[(close + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            seconds[name] = seconds.GetValueOrDefault(name) + ticks / TicksPerSecond;
        }

        return seconds;
    }

    /// <summary>A .NET host run as <c>dotnet X.dll</c> is named by its assembly.</summary>
    private static string? HostName(string dir)
    {
        try
        {
            var dll = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0').FirstOrDefault(a => a.EndsWith(".dll", StringComparison.Ordinal));
            return dll is null ? null : Path.GetFileNameWithoutExtension(dll);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>CPU seconds by process name spent between two snapshots.</summary>
    public static Dictionary<string, double> Between(Dictionary<string, double> before, Dictionary<string, double> after) =>
        after.ToDictionary(a => a.Key, a => Math.Max(0, a.Value - before.GetValueOrDefault(a.Key)));

    /// <summary>Adds <paramref name="spent"/> to <paramref name="total"/>.</summary>
    public static void Add(Dictionary<string, double> total, Dictionary<string, double> spent)
    {
        foreach (var (name, seconds) in spent)
        {
            total[name] = total.GetValueOrDefault(name) + seconds;
        }
    }

    /// <summary>CPU milliseconds per unit of work between two snapshots, by process name, largest first.</summary>
    public static string PerUnit(Dictionary<string, double> before, Dictionary<string, double> after, double units) =>
        PerUnit(Between(before, after), units);

    /// <summary>CPU milliseconds per unit of work, by process name, largest first, with the total; kernel workers summed.</summary>
    public static string PerUnit(Dictionary<string, double> spent, double units)
    {
        var grouped = new Dictionary<string, double>();
        foreach (var (name, seconds) in spent)
        {
            var key = name.StartsWith("kworker", StringComparison.Ordinal) ? "kernel workers" : name;
            grouped[key] = grouped.GetValueOrDefault(key) + seconds;
        }

        var parts = grouped
            .Select(p => (p.Key, Ms: p.Value * 1000 / units))
            .Where(p => p.Ms >= 0.005)
            .OrderByDescending(p => p.Ms)
            .ToList();
        var total = parts.Sum(p => p.Ms);
        return $"total {total.ToString("F3", CultureInfo.InvariantCulture)}: " +
            string.Join(", ", parts.Select(p => $"{p.Key} {p.Ms.ToString("F3", CultureInfo.InvariantCulture)}"));
    }
}
