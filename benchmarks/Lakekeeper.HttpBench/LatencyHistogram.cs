using System.Numerics;

namespace Lakekeeper.HttpBench;

/// <summary>
/// Latencies in 100 ns units, log-linear buckets (HdrHistogram's layout): exact below 12.8 µs, then 64
/// sub-buckets per power of two, i.e. within 1.6 %. One per worker, merged at the end: no locking.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBits = 7;
    private const int Linear = 1 << LinearBits;
    private const int SubBuckets = Linear / 2;
    private readonly long[] _counts = new long[Linear + (64 * SubBuckets)];

    public long Count { get; private set; }

    public long Max { get; private set; }

    public void Record(TimeSpan latency)
    {
        var value = Math.Max(0, latency.Ticks);
        _counts[IndexOf(value)]++;
        Count++;
        Max = Math.Max(Max, value);
    }

    public void Add(LatencyHistogram other)
    {
        for (var i = 0; i < _counts.Length; i++)
        {
            _counts[i] += other._counts[i];
        }

        Count += other.Count;
        Max = Math.Max(Max, other.Max);
    }

    /// <summary>The latency below which <paramref name="percentile"/> % of the requests completed.</summary>
    public TimeSpan Percentile(double percentile)
    {
        if (Count == 0)
        {
            return TimeSpan.Zero;
        }

        var rank = (long)Math.Ceiling(percentile / 100 * Count);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen >= Math.Max(1, rank))
            {
                return TimeSpan.FromTicks(Math.Min(Midpoint(i), Max));
            }
        }

        return TimeSpan.FromTicks(Max);
    }

    private static int IndexOf(long value)
    {
        if (value < Linear)
        {
            return (int)value;
        }

        var shift = (63 - BitOperations.LeadingZeroCount((ulong)value)) - (LinearBits - 1);
        return Linear + ((shift - 1) * SubBuckets) + (int)((value >> shift) - SubBuckets);
    }

    private static long Midpoint(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var shift = ((index - Linear) / SubBuckets) + 1;
        var mantissa = ((index - Linear) % SubBuckets) + SubBuckets;
        var lower = (long)mantissa << shift;
        return lower + ((1L << shift) / 2);
    }
}
