using System.Collections.Concurrent;
using System.Security.Cryptography;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Files;
using Lakekeeper.Storage.Profiles;
using Lakekeeper.Storage.S3;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Storage.Objects;

/// <summary>Gives the object store of a warehouse's profile and credential.</summary>
public interface IObjectStoreFactory
{
    /// <summary>
    /// The store for this profile and credential, cached (S3 clients are costly to build): the same
    /// profile and credential give the same instance; a rotated credential gives a new one.
    /// Throws <see cref="StorageException"/> (<see cref="StorageErrorKind.Invalid"/>) when the profile
    /// or credential is invalid, does not match, or is not allowed by the server's settings.
    /// </summary>
    IObjectStore GetStore(StorageProfile profile, StorageCredential? credential);

    /// <summary>
    /// Drops the cached store of this profile and credential, if any, so that a replaced credential
    /// is not kept in memory (a request using the store finishes with it).
    /// </summary>
    void Forget(StorageProfile profile, StorageCredential? credential);
}

internal sealed class ObjectStoreFactory : IObjectStoreFactory, IDisposable
{
    private readonly StorageOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly S3ClientFactory _s3;
    private readonly ConcurrentDictionary<StoreKey, Entry> _stores = new();
    private readonly byte[] _fingerprintKey = RandomNumberGenerator.GetBytes(32);
    private readonly Lock _evictionLock = new();
    private long _clock;
    private bool _disposed;

    public ObjectStoreFactory(IOptions<StorageOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _loggerFactory = loggerFactory;
        _s3 = new S3ClientFactory(_options);
    }

    public IObjectStore GetStore(StorageProfile profile, StorageCredential? credential)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var key = new StoreKey(profile, Fingerprint(credential));
        if (_stores.TryGetValue(key, out var cached))
        {
            cached.Touch(Interlocked.Increment(ref _clock));
            return cached.Store;
        }

        var entry = _stores.GetOrAdd(key, static (_, state) => new Entry(state.Self.Create(state.Profile, state.Credential)),
            (Self: this, Profile: profile, Credential: credential));
        entry.Touch(Interlocked.Increment(ref _clock));
        if (_stores.Count > _options.MaxCachedStores)
        {
            EvictLeastRecentlyUsed();
        }

        return entry.Store;
    }

    public void Forget(StorageProfile profile, StorageCredential? credential)
    {
        ArgumentNullException.ThrowIfNull(profile);
        _stores.TryRemove(new StoreKey(profile, Fingerprint(credential)), out _);
    }

    /// <summary>Problems that make a profile and credential unusable here; empty when usable.</summary>
    internal IReadOnlyList<string> Check(StorageProfile profile, StorageCredential? credential)
    {
        var errors = new List<string>(profile.Validate());
        if (credential is not null)
        {
            errors.AddRange(credential.Validate().Select(e => "storage-credential." + e));
        }

        switch (profile)
        {
            case FileStorageProfile file:
                if (credential is not null)
                {
                    errors.Add("storage-credential: file profiles take no credential");
                }

                if (errors.Count == 0)
                {
                    var roots = _options.AllowedFileRootLocations();
                    var location = file.BaseLocation;
                    if (!roots.Any(location.IsUnder))
                    {
                        errors.Add(roots.Count == 0
                            ? "root: file storage is disabled on this server; an operator can allow folders with LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0=<folder>"
                            : $"root: '{file.Root}' is not under a folder allowed by LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS ({string.Join(", ", _options.AllowedFileRoots)})");
                    }
                }

                break;
            case S3StorageProfile:
                if (credential is null)
                {
                    errors.Add("storage-credential: an s3 profile needs an s3 access-key credential");
                }
                else if (credential is not S3AccessKeyCredential)
                {
                    errors.Add($"storage-credential: type '{credential.Type}' does not fit an s3 profile");
                }

                break;
        }

        return errors;
    }

    /// <summary>A new store that the caller owns (dispose it if it is <see cref="IDisposable"/>).</summary>
    /// <param name="probe">For a validation probe: S3 requests are not retried.</param>
    internal IObjectStore Create(StorageProfile profile, StorageCredential? credential, bool probe = false)
    {
        var errors = Check(profile, credential);
        if (errors.Count > 0)
        {
            throw new StorageException(StorageErrorKind.Invalid, "invalid storage settings: " + string.Join("; ", errors));
        }

        return profile switch
        {
            FileStorageProfile file => new FileObjectStore(file, _options.MaxReadBytes),
            S3StorageProfile s3 => new S3ObjectStore(
                s3, _s3.Create(s3, (S3AccessKeyCredential)credential!, probe ? 0 : _options.MaxRetries), _options.MaxReadBytes,
                _loggerFactory.CreateLogger<S3ObjectStore>()),
            _ => throw new StorageException(StorageErrorKind.Invalid, $"unsupported storage profile type '{profile.Type}'"),
        };
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var entry in _stores.Values)
        {
            (entry.Store as IDisposable)?.Dispose();
        }

        _stores.Clear();
        _s3.Dispose();
    }

    private void EvictLeastRecentlyUsed()
    {
        lock (_evictionLock)
        {
            var excess = _stores.Count - _options.MaxCachedStores;
            if (excess <= 0)
            {
                return;
            }

            // Evicted stores are not disposed: a request may still be using one. Their clients share
            // the factory's connection pool, so dropping them releases nothing costly.
            foreach (var stale in _stores.OrderBy(e => e.Value.LastUsed).Take(excess).ToList())
            {
                _stores.TryRemove(stale);
            }
        }
    }

    /// <summary>Identifies a credential without keeping a copy of it in the key (keyed hash).</summary>
    private string Fingerprint(StorageCredential? credential)
    {
        if (credential is null)
        {
            return string.Empty;
        }

        using var hash = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, _fingerprintKey);
        credential.WriteFingerprint(hash);
        return Convert.ToHexString(hash.GetHashAndReset());
    }

    private readonly record struct StoreKey(StorageProfile Profile, string CredentialFingerprint);

    /// <summary>A cached store and when it was last handed out (a logical clock, not wall time).</summary>
    private sealed class Entry(IObjectStore store)
    {
        private long _lastUsed;

        public IObjectStore Store { get; } = store;

        public long LastUsed => Volatile.Read(ref _lastUsed);

        public void Touch(long now) => Volatile.Write(ref _lastUsed, now);
    }
}
