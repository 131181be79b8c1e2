using System.Diagnostics.CodeAnalysis;

namespace Lakekeeper.Security.Secrets;

/// <summary>
/// Encrypts secrets kept at rest (storage credentials) with AES-256-GCM. Each ciphertext is bound
/// to associated data chosen by the caller (e.g. the warehouse id): the same associated data must be
/// given to decrypt, so a ciphertext copied to another row fails. Encrypts with the current key;
/// decrypts with the current or any configured previous key, found by the key id in the envelope.
/// </summary>
/// <remarks>
/// Envelope (version 1): <c>0x01 | key id (4 bytes) | nonce (12) | ciphertext | tag (16)</c>. The key
/// id is the first 4 bytes of SHA-256(key), shown as 8 hex digits. The authenticated data is the
/// 5-byte header followed by the caller's associated data, so the version and key id are
/// authenticated too.
/// </remarks>
public interface ISecretProtector
{
    /// <summary>Id of the key new ciphertexts use (8 lowercase hex digits).</summary>
    string CurrentKeyId { get; }

    byte[] Protect(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData);

    /// <summary>Decrypts, or returns false with the reason; never returns unauthenticated bytes.</summary>
    bool TryUnprotect(
        ReadOnlySpan<byte> envelope,
        ReadOnlySpan<byte> associatedData,
        [NotNullWhen(true)] out byte[]? plaintext,
        out SecretProtectionError error);

    /// <summary>Decrypts; throws <see cref="SecretProtectionException"/> on any failure.</summary>
    byte[] Unprotect(ReadOnlySpan<byte> envelope, ReadOnlySpan<byte> associatedData);

    /// <summary>UTF-8 plaintext and associated data; the envelope as base64 (for text columns).</summary>
    string ProtectString(string plaintext, string associatedData);

    /// <inheritdoc cref="ProtectString"/>
    string UnprotectString(string protectedValue, string associatedData);

    /// <summary>
    /// The key id an envelope names (8 hex digits), or null when it is not a valid envelope. A value
    /// other than <see cref="CurrentKeyId"/> means it should be re-encrypted after a key rotation.
    /// </summary>
    string? KeyIdOf(ReadOnlySpan<byte> envelope);
}

/// <summary>Why a ciphertext could not be decrypted.</summary>
public enum SecretProtectionError
{
    None,

    /// <summary>Too short, or not base64.</summary>
    Malformed,

    /// <summary>An envelope version this build does not know.</summary>
    UnsupportedFormat,

    /// <summary>Encrypted with a key that is not configured (add it to <c>LAKEKEEPER__SECRETS__PREVIOUSKEYS__n</c>).</summary>
    UnknownKey,

    /// <summary>Tampered with, or the associated data differs (e.g. copied to another owner).</summary>
    AuthenticationFailed,
}

/// <summary>A ciphertext could not be decrypted; the message never contains key material or plaintext.</summary>
public sealed class SecretProtectionException(SecretProtectionError error, string message) : Exception(message)
{
    public SecretProtectionError Error { get; } = error;
}
