using System.Collections.Concurrent;
using Amazon;
using Amazon.Runtime;
using Amazon.SecurityToken;
using Amazon.SecurityToken.Model;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Storage.S3.Sts;

/// <summary>Short-lived S3 credentials for one table location. <see cref="ToString"/> hides the secret and token.</summary>
public sealed record VendedS3Credentials(string AccessKeyId, string SecretAccessKey, string SessionToken, DateTimeOffset Expiration)
{
    public override string ToString() => $"VendedS3Credentials {{ AccessKeyId = {AccessKeyId}, SecretAccessKey = ***, SessionToken = ***, Expiration = {Expiration:O} }}";
}

/// <summary>Vends STS credentials scoped to a table location (<c>AssumeRole</c> with a session policy).</summary>
public interface IS3CredentialVendor
{
    /// <summary>
    /// Credentials for <paramref name="location"/> at <paramref name="level"/>, from the cache while they
    /// have more than half their lifetime left. <paramref name="cacheScope"/> names the warehouse and
    /// its settings version, so a changed profile or credential never serves old credentials.
    /// Failures are <see cref="StorageException"/>s (<see cref="StorageErrorKind.Unavailable"/> when transient).
    /// </summary>
    Task<VendedS3Credentials> VendAsync(
        string cacheScope, S3StorageProfile profile, S3AccessKeyCredential credential, StorageLocation location, S3AccessLevel level,
        CancellationToken cancellationToken);
}

internal sealed partial class S3CredentialVendor(IOptions<StorageOptions> options, TimeProvider time, ILogger<S3CredentialVendor> logger)
    : IS3CredentialVendor, IDisposable
{
    /// <summary>The role an S3-compatible server is asked for when the profile names none (MinIO ignores it).</summary>
    internal const string PlaceholderRoleArn = "arn:aws:iam::000000000000:role/lakekeeper-vended";

    private static readonly TimeSpan MaxCacheTime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Lazy<Task<VendedS3Credentials>>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (VendedS3Credentials Credentials, DateTimeOffset RefreshAt)> _cache = new(StringComparer.Ordinal);
    private readonly SdkHttpClientFactory _http = new(new HttpClient(new SocketsHttpHandler
    {
        ConnectTimeout = TimeSpan.FromSeconds(options.Value.ConnectTimeoutSeconds),
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        UseCookies = false,
    })
    {
        Timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds),
    });

    public async Task<VendedS3Credentials> VendAsync(
        string cacheScope, S3StorageProfile profile, S3AccessKeyCredential credential, StorageLocation location, S3AccessLevel level,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(profile);
        ArgumentNullException.ThrowIfNull(credential);
        ArgumentNullException.ThrowIfNull(location);
        var key = $"{cacheScope}|{level}|{location}";
        if (_cache.TryGetValue(key, out var cached) && time.GetUtcNow() < cached.RefreshAt)
        {
            return cached.Credentials;
        }

        // Concurrent misses of one key share one AssumeRole call.
        var call = _pending.GetOrAdd(key, _ => new Lazy<Task<VendedS3Credentials>>(
            () => AssumeRoleAsync(key, profile, credential, location, level)));
        try
        {
            return await call.Value.WaitAsync(cancellationToken);
        }
        finally
        {
            if (call.IsValueCreated && call.Value.IsCompleted)
            {
                _pending.TryRemove(new KeyValuePair<string, Lazy<Task<VendedS3Credentials>>>(key, call));
            }
        }
    }

    private async Task<VendedS3Credentials> AssumeRoleAsync(
        string key, S3StorageProfile profile, S3AccessKeyCredential credential, StorageLocation location, S3AccessLevel level)
    {
        var issued = time.GetUtcNow();
        var request = new AssumeRoleRequest
        {
            RoleArn = profile.VendingRoleArn ?? PlaceholderRoleArn,
            RoleSessionName = "lakekeeper-" + Guid.NewGuid().ToString("N")[..20],
            Policy = S3SessionPolicy.Build(profile, location, level),
            DurationSeconds = (int)profile.StsTokenLifetimeSeconds,
        };
        if (profile.StsSessionTags is { Count: > 0 } tags)
        {
            request.Tags = [.. tags.OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => new Tag { Key = t.Key, Value = t.Value })];
        }


        AssumeRoleResponse response;
        try
        {
            using var client = CreateClient(profile, credential);
            // Not the caller's token: a shared call must not fail because one waiting request went away.
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds * 2));
            response = await client.AssumeRoleAsync(request, timeout.Token);
        }
        catch (AmazonServiceException ex)
        {
            LogFailed(logger, location.ToString(), profile.Bucket, ex.ErrorCode ?? ex.StatusCode.ToString(), ex.Message);
            var transient = (int)ex.StatusCode >= 500 || ex.ErrorCode is "Throttling" or "ThrottlingException" or "RequestLimitExceeded";
            throw new StorageException(
                transient ? StorageErrorKind.Unavailable : StorageErrorKind.AccessDenied,
                $"STS AssumeRole for {location} failed: {ex.ErrorCode ?? ex.StatusCode.ToString()}", ex);
        }
        catch (Exception ex) when (ex is AmazonClientException or HttpRequestException or OperationCanceledException or IOException)
        {
            LogFailed(logger, location.ToString(), profile.Bucket, ex.GetType().Name, ex.Message);
            throw new StorageException(StorageErrorKind.Unavailable, $"STS AssumeRole for {location} failed: {ex.GetType().Name}", ex);
        }

        var credentials = response.Credentials
            ?? throw new StorageException(StorageErrorKind.Unavailable, $"STS AssumeRole for {location} returned no credentials");
        var expiration = credentials.Expiration is { } e
            ? new DateTimeOffset(DateTime.SpecifyKind(e, e.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : e.Kind)).ToUniversalTime()
            : issued.AddSeconds(profile.StsTokenLifetimeSeconds);
        var vended = new VendedS3Credentials(credentials.AccessKeyId, credentials.SecretAccessKey, credentials.SessionToken, expiration);
        var lifetime = expiration - issued;
        var keep = TimeSpan.FromTicks(Math.Min(lifetime.Ticks / 2, MaxCacheTime.Ticks));
        if (keep > TimeSpan.Zero)
        {
            if (_cache.Count >= options.Value.MaxCachedCredentials)
            {
                Sweep();
            }

            _cache[key] = (vended, issued + keep);
        }

        LogVended(logger, location.ToString(), level.ToString(), expiration);
        return vended;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        foreach (var (key, entry) in _cache)
        {
            if (entry.RefreshAt <= now)
            {
                _cache.TryRemove(key, out _);
            }
        }

        if (_cache.Count >= options.Value.MaxCachedCredentials)
        {
            _cache.Clear();
        }
    }

    private AmazonSecurityTokenServiceClient CreateClient(S3StorageProfile profile, S3AccessKeyCredential credential)
    {
        var config = new AmazonSecurityTokenServiceConfig
        {
            MaxErrorRetry = options.Value.MaxRetries,
            RetryMode = RequestRetryMode.Standard,
            Timeout = TimeSpan.FromSeconds(options.Value.RequestTimeoutSeconds),
            HttpClientFactory = _http,
        };
        var endpoint = profile.StsEndpoint ?? (profile.Flavor == S3Flavor.S3Compat ? profile.Endpoint : null);
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.GetLeftPart(UriPartial.Authority);
            config.AuthenticationRegion = profile.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(profile.Region);
        }

        AWSCredentials caller = credential.SessionToken is { } token
            ? new SessionAWSCredentials(credential.AccessKeyId, credential.SecretAccessKey, token)
            : new BasicAWSCredentials(credential.AccessKeyId, credential.SecretAccessKey);
        return new AmazonSecurityTokenServiceClient(caller, config);
    }

    public void Dispose() => _http.Dispose();

    [LoggerMessage(EventId = 610, Level = LogLevel.Debug, Message = "Vended {Level} credentials for {Location}, expiring {Expiration}")]
    private static partial void LogVended(ILogger logger, string location, string level, DateTimeOffset expiration);

    [LoggerMessage(EventId = 611, Level = LogLevel.Warning, Message = "STS AssumeRole for {Location} (bucket {Bucket}) failed: {Code}: {Reason}")]
    private static partial void LogFailed(ILogger logger, string location, string bucket, string code, string reason);
}
