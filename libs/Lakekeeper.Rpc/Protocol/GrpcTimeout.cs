using System.Globalization;

namespace Lakekeeper.Rpc.Protocol;

/// <summary>
/// The <c>grpc-timeout</c> header: <c>TimeoutValue TimeoutUnit</c>, a positive integer of at most 8
/// digits followed by H (hours), M (minutes), S (seconds), m (milliseconds), u (microseconds) or
/// n (nanoseconds).
/// </summary>
internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    // (unit, nanoseconds per unit) from the finest to the coarsest.
    private static readonly (char Unit, long Nanoseconds)[] Units =
    [
        ('n', 1),
        ('u', 1_000),
        ('m', 1_000_000),
        ('S', 1_000_000_000),
        ('M', 60_000_000_000),
        ('H', 3_600_000_000_000),
    ];

    /// <summary>Parses a header value; false for anything that is not valid per the grammar.</summary>
    public static bool TryParse(ReadOnlySpan<char> value, out TimeSpan timeout)
    {
        timeout = default;
        if (value.Length is < 2 or > 9)
        {
            return false;
        }

        var digits = value[..^1];
        long amount = 0;
        foreach (var c in digits)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            amount = (amount * 10) + (c - '0');
        }

        // Ticks are 100 ns; round up so a tiny timeout is not read as "no time at all" before it is.
        var ticks = value[^1] switch
        {
            'H' => amount * TimeSpan.TicksPerHour,
            'M' => amount * TimeSpan.TicksPerMinute,
            'S' => amount * TimeSpan.TicksPerSecond,
            'm' => amount * TimeSpan.TicksPerMillisecond,
            'u' => amount * 10,
            'n' => (amount + 99) / 100,
            _ => -1,
        };
        if (ticks < 0)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks);
        return true;
    }

    /// <summary>
    /// Formats a positive timeout in the finest unit whose value fits in 8 digits, rounding up so the
    /// peer never sees a shorter deadline than ours.
    /// </summary>
    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }

        // TimeSpan.MaxValue is ~9.2e20 ns: compute in decimal to avoid overflow.
        var nanoseconds = (decimal)timeout.Ticks * 100;
        foreach (var (unit, perUnit) in Units)
        {
            var amount = decimal.Ceiling(nanoseconds / perUnit);
            if (amount <= MaxValue)
            {
                return ((long)amount).ToString(CultureInfo.InvariantCulture) + unit;
            }
        }

        return MaxValue.ToString(CultureInfo.InvariantCulture) + "H";
    }
}
