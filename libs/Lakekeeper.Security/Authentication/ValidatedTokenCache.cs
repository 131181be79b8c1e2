using System.Collections.Concurrent;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;

namespace Lakekeeper.Security.Authentication;

/// <summary>
/// Tokens that passed every check, remembered by their SHA-256 (never the token) until the earlier
/// of their <c>exp</c> and one minute, so that a client sending the same token again costs a hash
/// and a lookup instead of a signature verification. Only successes are remembered; a token is
/// never accepted past its expiry; changed settings need a restart anyway.
/// </summary>
internal sealed class ValidatedTokenCache(TimeProvider time)
{
    private static readonly TimeSpan RememberAtMost = TimeSpan.FromMinutes(1);
    private const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, (AuthenticatedUser User, DateTimeOffset Until)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string token, out AuthenticatedUser user)
    {
        if (_entries.TryGetValue(Key(token), out var entry) && entry.Until > time.GetUtcNow())
        {
            user = entry.User;
            return true;
        }

        user = null!;
        return false;
    }

    public void Remember(string token, AuthenticatedUser user, ClaimsPrincipal validated)
    {
        if (!long.TryParse(validated.FindFirst("exp")?.Value, out var exp))
        {
            return;
        }

        var until = DateTimeOffset.FromUnixTimeSeconds(exp);
        var cap = time.GetUtcNow() + RememberAtMost;
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }

        _entries[Key(token)] = (user, until < cap ? until : cap);
    }

    private static string Key(string token)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), hash);
        return Convert.ToBase64String(hash);
    }
}
