using System.Security.Cryptography;

namespace Lakekeeper.Authz.Fga;

/// <summary>
/// ULIDs (26 characters of Crockford base32: 48 bits of milliseconds, 80 random bits), the ids of
/// OpenFGA stores and models. Ids made by one process increase strictly, so the latest model of a
/// store is its greatest id.
/// </summary>
internal static class Ulid
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    private static readonly Lock Gate = new();
    private static long _lastMillis;
    private static readonly byte[] LastRandom = new byte[10];

    public static string NewUlid() => NewUlid(DateTimeOffset.UtcNow);

    public static string NewUlid(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var millis = now.ToUnixTimeMilliseconds();
        lock (Gate)
        {
            if (millis <= _lastMillis)
            {
                // Same (or an earlier) millisecond: keep the time and count the random part up.
                millis = _lastMillis;
                for (var i = LastRandom.Length - 1; i >= 0 && ++LastRandom[i] == 0; i--)
                {
                }
            }
            else
            {
                RandomNumberGenerator.Fill(LastRandom);
                LastRandom[0] &= 0x7F; // room to count up within a millisecond
                _lastMillis = millis;
            }

            LastRandom.CopyTo(bytes[6..]);
        }

        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)(millis & 0xFF);
            millis >>= 8;
        }

        return Encode(bytes);
    }

    public static bool IsValid(string? value)
    {
        if (value is not { Length: 26 } || value[0] > '7')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!Alphabet.Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static string Encode(ReadOnlySpan<byte> bytes)
    {
        // 128 bits as 26 base32 digits, most significant first (the first digit carries 3 bits).
        Span<char> chars = stackalloc char[26];
        UInt128 value = 0;
        foreach (var b in bytes)
        {
            value = (value << 8) | b;
        }

        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }

        return new string(chars);
    }
}
