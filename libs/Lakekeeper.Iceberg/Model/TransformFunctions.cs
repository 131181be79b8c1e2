using System.Buffers.Binary;
using System.Numerics;
using System.Text;

namespace Lakekeeper.Iceberg;

/// <summary>
/// The Iceberg 32-bit hash of each primitive value (spec Appendix B): ints and longs hash as 8-byte
/// little-endian longs, dates as their day count, time/timestamps as microseconds (nanosecond
/// timestamps are floored to microseconds first), strings as UTF-8, UUIDs as 16 big-endian bytes,
/// decimals as the minimal big-endian two's-complement bytes of the unscaled value.
/// </summary>
public static class BucketHash
{
    public static int HashInt(int value) => HashLong(value);

    public static int HashLong(long value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(buffer, value);
        return Murmur3.Hash32(buffer);
    }

    /// <summary>Date: days from the Unix epoch.</summary>
    public static int HashDate(int daysFromEpoch) => HashLong(daysFromEpoch);

    /// <summary>Time: microseconds from midnight; timestamp/timestamptz: microseconds from the epoch.</summary>
    public static int HashMicros(long micros) => HashLong(micros);

    /// <summary>timestamp_ns/timestamptz_ns: nanoseconds from the epoch, hashed as (floored) microseconds.</summary>
    public static int HashNanos(long nanos) => HashLong(FloorDiv(nanos, 1000));

    public static int HashString(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Murmur3.Hash32(Encoding.UTF8.GetBytes(value));
    }

    public static int HashBytes(ReadOnlySpan<byte> value) => Murmur3.Hash32(value);

    public static int HashUuid(Guid value)
    {
        Span<byte> buffer = stackalloc byte[16];
        value.TryWriteBytes(buffer, bigEndian: true, out _);
        return Murmur3.Hash32(buffer);
    }

    /// <summary>Decimal: hash of the unscaled value's minimal big-endian two's-complement bytes.</summary>
    public static int HashDecimal(BigInteger unscaled) => Murmur3.Hash32(unscaled.ToByteArray(isUnsigned: false, isBigEndian: true));

    /// <summary>Decimal given as a CLR decimal and the column scale.</summary>
    public static int HashDecimal(decimal value, int scale) => HashDecimal(TransformFunctions.Unscaled(value, scale));

    public static int HashBoolean(bool value) => HashInt(value ? 1 : 0);

    public static int HashDouble(double value)
    {
        if (double.IsNaN(value))
        {
            return HashLong(0x7ff8000000000000L);
        }

        if (value == 0.0)
        {
            value = 0.0;
        }

        return HashLong(BitConverter.DoubleToInt64Bits(value));
    }

    public static int HashFloat(float value) => HashDouble(value);

    internal static long FloorDiv(long a, long b)
    {
        var q = a / b;
        return (a % b != 0 && ((a < 0) ^ (b < 0))) ? q - 1 : q;
    }
}

/// <summary>Value-level partition transforms: bucket, truncate and the temporal transforms.</summary>
public static class TransformFunctions
{
    private const long MicrosPerHour = 3_600_000_000L;
    private const long MicrosPerDay = 86_400_000_000L;
    private const long NanosPerMicro = 1000L;

    /// <summary><c>(hash &amp; Integer.MAX_VALUE) % N</c>.</summary>
    public static int Bucket(int hash, int numBuckets)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numBuckets);
        return (hash & int.MaxValue) % numBuckets;
    }

    public static int BucketInt(int value, int numBuckets) => Bucket(BucketHash.HashInt(value), numBuckets);

    public static int BucketLong(long value, int numBuckets) => Bucket(BucketHash.HashLong(value), numBuckets);

    public static int BucketString(string value, int numBuckets) => Bucket(BucketHash.HashString(value), numBuckets);

    public static int BucketBytes(ReadOnlySpan<byte> value, int numBuckets) => Bucket(BucketHash.HashBytes(value), numBuckets);

    public static int BucketUuid(Guid value, int numBuckets) => Bucket(BucketHash.HashUuid(value), numBuckets);

    public static int BucketDecimal(BigInteger unscaled, int numBuckets) => Bucket(BucketHash.HashDecimal(unscaled), numBuckets);

    /// <summary>Truncates an int to width W with a non-negative remainder: <c>v - (((v % W) + W) % W)</c>.</summary>
    public static int TruncateInt(int value, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        return value - (((value % width) + width) % width);
    }

    public static long TruncateLong(long value, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        return value - (((value % width) + width) % width);
    }

    /// <summary>Truncates an unscaled decimal value to width W (applied in the column's scale).</summary>
    public static BigInteger TruncateDecimal(BigInteger unscaled, int width)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        var w = new BigInteger(width);
        return unscaled - (((unscaled % w) + w) % w);
    }

    /// <summary>Truncates a CLR decimal in the given scale, e.g. W=50, scale 2: 10.65 becomes 10.50.</summary>
    public static decimal TruncateDecimal(decimal value, int scale, int width)
    {
        var truncated = TruncateDecimal(Unscaled(value, scale), width);
        return (decimal)truncated / Pow10(scale);
    }

    /// <summary>Truncates a string to at most L code points, never splitting a surrogate pair.</summary>
    public static string TruncateString(string value, int length)
    {
        ArgumentNullException.ThrowIfNull(value);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var codePoints = 0;
        var i = 0;
        while (i < value.Length && codePoints < length)
        {
            i += char.IsHighSurrogate(value[i]) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]) ? 2 : 1;
            codePoints++;
        }

        return i >= value.Length ? value : value[..i];
    }

    /// <summary>Truncates binary to at most L bytes.</summary>
    public static byte[] TruncateBinary(ReadOnlySpan<byte> value, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        return value.Length <= length ? value.ToArray() : value[..length].ToArray();
    }

    /// <summary>Years from 1970 for a date given as days from the epoch (floored for dates before 1970).</summary>
    public static int YearFromDays(int days) => EpochDate.AddDays(days).Year - 1970;

    public static int MonthFromDays(int days)
    {
        var d = EpochDate.AddDays(days);
        return ((d.Year - 1970) * 12) + (d.Month - 1);
    }

    public static int DayFromDays(int days) => days;

    public static int YearFromMicros(long micros) => YearFromDays(DaysFromMicros(micros));

    public static int MonthFromMicros(long micros) => MonthFromDays(DaysFromMicros(micros));

    public static int DayFromMicros(long micros) => DaysFromMicros(micros);

    public static int HourFromMicros(long micros) => checked((int)BucketHash.FloorDiv(micros, MicrosPerHour));

    public static int YearFromNanos(long nanos) => YearFromMicros(BucketHash.FloorDiv(nanos, NanosPerMicro));

    public static int MonthFromNanos(long nanos) => MonthFromMicros(BucketHash.FloorDiv(nanos, NanosPerMicro));

    public static int DayFromNanos(long nanos) => DayFromMicros(BucketHash.FloorDiv(nanos, NanosPerMicro));

    public static int HourFromNanos(long nanos) => HourFromMicros(BucketHash.FloorDiv(nanos, NanosPerMicro));

    /// <summary>Days from the epoch for a calendar date.</summary>
    public static int ToEpochDays(DateOnly date) => date.DayNumber - EpochDate.DayNumber;

    /// <summary>Microseconds from the epoch for a UTC instant.</summary>
    public static long ToEpochMicros(DateTimeOffset instant) => (instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>Microseconds from midnight.</summary>
    public static long ToMicrosOfDay(TimeOnly time) => time.Ticks / 10;

    internal static BigInteger Unscaled(decimal value, int scale)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(scale);
        var scaled = value * Pow10(scale);
        if (decimal.Truncate(scaled) != scaled)
        {
            throw new ArgumentException($"Value {value} has more than {scale} fractional digits", nameof(value));
        }

        return new BigInteger(scaled);
    }

    private static DateOnly EpochDate => new(1970, 1, 1);

    private static int DaysFromMicros(long micros) => checked((int)BucketHash.FloorDiv(micros, MicrosPerDay));

    private static decimal Pow10(int scale)
    {
        var result = 1m;
        for (var i = 0; i < scale; i++)
        {
            result *= 10m;
        }

        return result;
    }
}
