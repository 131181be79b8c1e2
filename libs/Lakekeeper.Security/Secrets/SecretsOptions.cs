using System.ComponentModel.DataAnnotations;

namespace Lakekeeper.Security.Secrets;

/// <summary>
/// Keys for secrets at rest (section <c>Secrets</c>): <c>LAKEKEEPER__SECRETS__ENCRYPTIONKEY</c>,
/// <c>LAKEKEEPER__SECRETS__PREVIOUSKEYS__n</c>, or local mode with <c>LAKEKEEPER__SECRETS__LOCALKEYFILE</c>.
/// </summary>
public sealed class SecretsOptions : IValidatableObject
{
    public const string Section = "Secrets";

    public const int KeyBytes = 32;

    internal const string EncryptionKeyVariable = "LAKEKEEPER__SECRETS__ENCRYPTIONKEY";

    internal const string LocalKeyFileVariable = "LAKEKEEPER__SECRETS__LOCALKEYFILE";

    /// <summary>The current key: base64 of 32 random bytes (<c>openssl rand -base64 32</c>).</summary>
    public string? EncryptionKey { get; set; }

    /// <summary>Earlier keys, still accepted for decryption after a rotation.</summary>
    public List<string> PreviousKeys { get; set; } = [];

    /// <summary>
    /// Local mode: with no <see cref="EncryptionKey"/>, the key is generated into this file on first
    /// start (mode 0600) and read from it afterwards.
    /// </summary>
    public string? LocalKeyFile { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        var hasKey = !string.IsNullOrWhiteSpace(EncryptionKey);
        var hasFile = !string.IsNullOrWhiteSpace(LocalKeyFile);
        if (!hasKey && !hasFile)
        {
            yield return new ValidationResult(
                "is required: set it to the base64 encoding of 32 random bytes (generate one with `openssl rand -base64 32`). " +
                $"For a local single-node setup, set {LocalKeyFileVariable}=<path> instead: a key is then generated into that file " +
                "on first start and reused afterwards (back the file up: without it stored credentials cannot be decrypted).",
                [nameof(EncryptionKey)]);
        }
        else if (hasKey && hasFile)
        {
            yield return new ValidationResult(
                $"and {LocalKeyFileVariable} are both set; set only one (to move off a local key file, " +
                "put the file's key in LAKEKEEPER__SECRETS__PREVIOUSKEYS__0)",
                [nameof(EncryptionKey)]);
        }
        else if (hasKey && DescribeKeyProblem(EncryptionKey!) is { } problem)
        {
            yield return new ValidationResult(problem, [nameof(EncryptionKey)]);
        }

        for (var i = 0; i < PreviousKeys.Count; i++)
        {
            if (DescribeKeyProblem(PreviousKeys[i]) is { } problem)
            {
                yield return new ValidationResult(problem, [$"{nameof(PreviousKeys)}:{i}"]);
            }
        }
    }

    /// <summary>Never shows key material.</summary>
    public override string ToString() =>
        $"SecretsOptions {{ EncryptionKey = {(string.IsNullOrEmpty(EncryptionKey) ? "(unset)" : "***")}, " +
        $"PreviousKeys = {PreviousKeys.Count} key(s), LocalKeyFile = {LocalKeyFile ?? "(unset)"} }}";

    /// <summary>Decodes a configured key; null with the reason when it is not 32 bytes of base64.</summary>
    internal static byte[]? TryDecodeKey(string text, out string? problem)
    {
        var trimmed = text.Trim();
        var buffer = new byte[(trimmed.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64String(trimmed, buffer, out var written))
        {
            problem = $"must be base64 (the encoding of {KeyBytes} random bytes, e.g. from `openssl rand -base64 32`)";
            return null;
        }

        if (written != KeyBytes)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
            problem = $"must decode to exactly {KeyBytes} bytes (AES-256), not {written}; generate one with `openssl rand -base64 32`";
            return null;
        }

        problem = null;
        var key = buffer.AsSpan(0, KeyBytes).ToArray();
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buffer);
        return key;
    }

    private static string? DescribeKeyProblem(string text)
    {
        var key = TryDecodeKey(text, out var problem);
        if (key is not null)
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(key);
        }

        return problem;
    }
}
