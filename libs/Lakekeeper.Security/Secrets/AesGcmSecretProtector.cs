using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Lakekeeper.Security.Secrets;

/// <summary>AES-256-GCM with a versioned envelope; see <see cref="ISecretProtector"/>.</summary>
internal sealed class AesGcmSecretProtector(SecretKeyRing keys) : ISecretProtector
{
    internal const byte FormatV1 = 0x01;
    internal const int KeyIdSize = 4;
    internal const int NonceSize = 12;
    internal const int TagSize = 16;
    internal const int HeaderSize = 1 + KeyIdSize;
    internal const int Overhead = HeaderSize + NonceSize + TagSize;

    /// <summary>Associated data is copied next to the header; refuse absurd sizes instead of allocating them.</summary>
    private const int MaxAssociatedData = 64 * 1024;

    public string CurrentKeyId => keys.Current.IdText;

    public byte[] Protect(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(associatedData.Length, MaxAssociatedData, nameof(associatedData));
        var key = keys.Current;
        var envelope = new byte[Overhead + plaintext.Length];
        var span = envelope.AsSpan();
        span[0] = FormatV1;
        key.Id.CopyTo(span[1..HeaderSize]);
        var nonce = span.Slice(HeaderSize, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        var ciphertext = span.Slice(HeaderSize + NonceSize, plaintext.Length);
        var tag = span[^TagSize..];

        var aad = BuildAad(span[..HeaderSize], associatedData);
        using var aes = new AesGcm(key.Material, TagSize);
        aes.Encrypt(nonce, plaintext, ciphertext, tag, aad);
        return envelope;
    }

    public bool TryUnprotect(
        ReadOnlySpan<byte> envelope,
        ReadOnlySpan<byte> associatedData,
        [NotNullWhen(true)] out byte[]? plaintext,
        out SecretProtectionError error)
    {
        plaintext = null;
        if (envelope.Length < Overhead || associatedData.Length > MaxAssociatedData)
        {
            error = SecretProtectionError.Malformed;
            return false;
        }

        if (envelope[0] != FormatV1)
        {
            error = SecretProtectionError.UnsupportedFormat;
            return false;
        }

        var key = keys.Find(envelope[1..HeaderSize]);
        if (key is null)
        {
            error = SecretProtectionError.UnknownKey;
            return false;
        }

        var nonce = envelope.Slice(HeaderSize, NonceSize);
        var ciphertext = envelope[(HeaderSize + NonceSize)..^TagSize];
        var tag = envelope[^TagSize..];
        var output = new byte[ciphertext.Length];
        var aad = BuildAad(envelope[..HeaderSize], associatedData);
        try
        {
            using var aes = new AesGcm(key.Material, TagSize);
            aes.Decrypt(nonce, ciphertext, tag, output, aad);
        }
        catch (AuthenticationTagMismatchException)
        {
            // AesGcm clears the output on failure; clear again so no byte of it can leak.
            CryptographicOperations.ZeroMemory(output);
            error = SecretProtectionError.AuthenticationFailed;
            return false;
        }

        plaintext = output;
        error = SecretProtectionError.None;
        return true;
    }

    public byte[] Unprotect(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> associatedData) =>
        TryUnprotect(envelope, associatedData, out var plaintext, out var error)
            ? plaintext
            : throw new SecretProtectionException(error, Describe(error, envelope));

    public string ProtectString(string plaintext, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(associatedData);
        var bytes = Encoding.UTF8.GetBytes(plaintext);
        try
        {
            return Convert.ToBase64String(Protect(bytes, Encoding.UTF8.GetBytes(associatedData)));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
        }
    }

    public string UnprotectString(string protectedValue, string associatedData)
    {
        ArgumentNullException.ThrowIfNull(protectedValue);
        ArgumentNullException.ThrowIfNull(associatedData);
        byte[] envelope;
        try
        {
            envelope = Convert.FromBase64String(protectedValue);
        }
        catch (FormatException)
        {
            throw new SecretProtectionException(SecretProtectionError.Malformed, "The protected value is not base64.");
        }

        var plaintext = Unprotect(envelope, Encoding.UTF8.GetBytes(associatedData));
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(plaintext);
        }
        catch (DecoderFallbackException)
        {
            throw new SecretProtectionException(SecretProtectionError.Malformed, "The decrypted value is not UTF-8 text.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    public string? KeyIdOf(ReadOnlySpan<byte> envelope) =>
        envelope.Length >= Overhead && envelope[0] == FormatV1
            ? Convert.ToHexStringLower(envelope[1..HeaderSize])
            : null;

    private static byte[] BuildAad(ReadOnlySpan<byte> header, ReadOnlySpan<byte> associatedData)
    {
        var aad = new byte[header.Length + associatedData.Length];
        header.CopyTo(aad);
        associatedData.CopyTo(aad.AsSpan(header.Length));
        return aad;
    }

    private static string Describe(SecretProtectionError error, ReadOnlySpan<byte> envelope) => error switch
    {
        SecretProtectionError.Malformed => "The protected value is malformed (too short).",
        SecretProtectionError.UnsupportedFormat =>
            $"The protected value has an unknown format version {envelope[0]}.",
        SecretProtectionError.UnknownKey =>
            $"The protected value was encrypted with key {Convert.ToHexStringLower(envelope[1..HeaderSize])}, which is not configured; " +
            "add that key to LAKEKEEPER__SECRETS__PREVIOUSKEYS__n.",
        _ => "The protected value failed authentication: it was altered, or belongs to another owner (associated data differs).",
    };
}
