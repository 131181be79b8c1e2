using System.Security.Cryptography;
using Lakekeeper.Abstractions.Hosting;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Security.Secrets;

/// <summary>An AES-256 key and its id (first 4 bytes of SHA-256 of the key).</summary>
internal sealed class SecretKey
{
    public SecretKey(byte[] material)
    {
        Material = material;
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(material, hash);
        Id = hash[..4].ToArray();
        IdText = Convert.ToHexStringLower(Id);
    }

    public byte[] Material { get; }

    public byte[] Id { get; }

    public string IdText { get; }

    /// <summary>Never shows key material.</summary>
    public override string ToString() => "SecretKey " + IdText;
}

/// <summary>The current key and every key still accepted for decryption, by id.</summary>
internal sealed partial class SecretKeyRing
{
    private readonly Dictionary<uint, SecretKey> _byId;

    public SecretKeyRing(SecretKey current, IEnumerable<SecretKey> previous)
    {
        Current = current;
        _byId = new Dictionary<uint, SecretKey> { [IdValue(current.Id)] = current };
        foreach (var key in previous)
        {
            var id = IdValue(key.Id);
            if (_byId.TryGetValue(id, out var existing))
            {
                if (!CryptographicOperations.FixedTimeEquals(existing.Material, key.Material))
                {
                    throw new FatalStartupException(
                        $"Two configured secret keys share the key id {key.IdText}; remove one of them from LAKEKEEPER__SECRETS__PREVIOUSKEYS.");
                }

                continue;
            }

            _byId[id] = key;
        }
    }

    public SecretKey Current { get; }

    public int Count => _byId.Count;

    public SecretKey? Find(ReadOnlySpan<byte> id) =>
        _byId.TryGetValue(IdValue(id), out var key) ? key : null;

    /// <summary>
    /// Builds the ring from validated options: the configured key, or the local key file (created on
    /// first use). File problems are <see cref="FatalStartupException"/>s that say how to fix them.
    /// </summary>
    public static SecretKeyRing Load(SecretsOptions options, ILogger logger)
    {
        SecretKey current;
        if (!string.IsNullOrWhiteSpace(options.EncryptionKey))
        {
            current = new SecretKey(SecretsOptions.TryDecodeKey(options.EncryptionKey, out var problem)
                ?? throw new FatalStartupException($"{SecretsOptions.EncryptionKeyVariable} {problem}"));
            LogKeyLoaded(logger, current.IdText, SecretsOptions.EncryptionKeyVariable);
        }
        else if (!string.IsNullOrWhiteSpace(options.LocalKeyFile))
        {
            var path = Path.GetFullPath(options.LocalKeyFile);
            current = new SecretKey(LocalKeyFile.LoadOrCreate(path, out var created));
            if (created)
            {
                LogKeyGenerated(logger, current.IdText, path);
            }
            else
            {
                LogKeyLoaded(logger, current.IdText, path);
            }
        }
        else
        {
            throw new FatalStartupException(
                $"{SecretsOptions.EncryptionKeyVariable} is required (or {SecretsOptions.LocalKeyFileVariable} for local mode).");
        }

        var previous = new List<SecretKey>();
        for (var i = 0; i < options.PreviousKeys.Count; i++)
        {
            previous.Add(new SecretKey(SecretsOptions.TryDecodeKey(options.PreviousKeys[i], out var problem)
                ?? throw new FatalStartupException($"LAKEKEEPER__SECRETS__PREVIOUSKEYS__{i} {problem}")));
        }

        var ring = new SecretKeyRing(current, previous);
        if (ring.Count > 1)
        {
            LogPreviousKeys(logger, ring.Count - 1);
        }

        return ring;
    }

    private static uint IdValue(ReadOnlySpan<byte> id) => System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(id);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Secret encryption key {KeyId} loaded from {Source}")]
    private static partial void LogKeyLoaded(ILogger logger, string keyId, string source);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning,
        Message = "Generated secret encryption key {KeyId} into {Path} (local mode). Back this file up: without it, stored storage credentials cannot be decrypted")]
    private static partial void LogKeyGenerated(ILogger logger, string keyId, string path);

    [LoggerMessage(EventId = 3003, Level = LogLevel.Information, Message = "{Count} previous secret key(s) accepted for decryption")]
    private static partial void LogPreviousKeys(ILogger logger, int count);
}
