using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Lakekeeper.Security.Secrets;

/// <summary>
/// Page tokens a client cannot forge or carry to another listing: the last key of the page, sealed
/// with an HMAC over the listing's scope (e.g. its path: warehouse, parent, kind) and the key.
/// </summary>
public interface IPageTokenProtector
{
    /// <summary>An opaque token for the page after <paramref name="key"/> in <paramref name="scope"/>.</summary>
    string Seal(string scope, string key);

    /// <summary>The key of a token sealed for <paramref name="scope"/>; false for any other string.</summary>
    bool TryOpen(string scope, string token, [NotNullWhen(true)] out string? key);
}

/// <summary>
/// HMAC-SHA-256 (truncated to 128 bits) with a key derived (HKDF) from the current secret key, so
/// every replica that shares <c>LAKEKEEPER__SECRETS__ENCRYPTIONKEY</c> accepts the others' tokens.
/// Token: <c>base64url(key) "." base64url(tag)</c>. After a key rotation the old tokens are refused
/// (400): a client starts the listing again.
/// </summary>
internal sealed class PageTokenProtector(SecretKeyRing ring) : IPageTokenProtector
{
    private const int TagBytes = 16;
    private const int MaxTokenChars = 4096;

    private readonly byte[] _key = HKDF.DeriveKey(HashAlgorithmName.SHA256, ring.Current.Material, 32, salt: [], info: "lakekeeper page tokens v1"u8.ToArray());

    public string Seal(string scope, string key)
    {
        var keyBytes = Encoding.UTF8.GetBytes(key);
        Span<byte> tag = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Tag(scope, keyBytes, tag);
        return Base64Url.EncodeToString(keyBytes) + "." + Base64Url.EncodeToString(tag[..TagBytes]);
    }

    public bool TryOpen(string scope, string token, [NotNullWhen(true)] out string? key)
    {
        key = null;
        var dot = token.LastIndexOf('.');
        if (token.Length > MaxTokenChars || dot < 0)
        {
            return false;
        }

        byte[] keyBytes;
        byte[] given;
        try
        {
            keyBytes = Base64Url.DecodeFromChars(token.AsSpan(0, dot));
            given = Base64Url.DecodeFromChars(token.AsSpan(dot + 1));
        }
        catch (FormatException)
        {
            return false;
        }

        Span<byte> tag = stackalloc byte[HMACSHA256.HashSizeInBytes];
        Tag(scope, keyBytes, tag);
        if (given.Length != TagBytes || !CryptographicOperations.FixedTimeEquals(given, tag[..TagBytes]))
        {
            return false;
        }

        // Sealed by us, so valid UTF-8.
        key = Encoding.UTF8.GetString(keyBytes);
        return true;
    }

    private void Tag(string scope, byte[] keyBytes, Span<byte> tag)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _key);
        var scopeBytes = Encoding.UTF8.GetBytes(scope);
        Span<byte> length = stackalloc byte[4];
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(length, scopeBytes.Length);
        hmac.AppendData(length);
        hmac.AppendData(scopeBytes);
        hmac.AppendData(keyBytes);
        hmac.GetHashAndReset(tag);
    }
}
