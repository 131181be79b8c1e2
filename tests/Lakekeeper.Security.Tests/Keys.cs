using System.Security.Cryptography;
using Lakekeeper.Security.Secrets;
using Microsoft.Extensions.Logging.Abstractions;

namespace Lakekeeper.Security.Tests;

internal static class Keys
{
    public static string NewBase64() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>The documented key id, computed independently: first 8 hex digits of SHA-256(key).</summary>
    public static string IdOf(string base64) =>
        Convert.ToHexStringLower(SHA256.HashData(Convert.FromBase64String(base64)))[..8];

    public static ISecretProtector Protector(string current, params string[] previous) =>
        new AesGcmSecretProtector(SecretKeyRing.Load(
            new SecretsOptions { EncryptionKey = current, PreviousKeys = [.. previous] }, NullLogger.Instance));
}
