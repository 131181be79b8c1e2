using Amazon;
using Amazon.Runtime;
using Amazon.S3;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.S3;

/// <summary>
/// Builds S3 clients that share one connection pool (<see cref="SocketsHttpHandler"/>): the pool,
/// TLS sessions and DNS state are the expensive part, so clients themselves stay cheap and can be
/// dropped from a cache without cutting off requests in flight.
/// </summary>
internal sealed class S3ClientFactory : IDisposable
{
    private readonly StorageOptions _options;
    private readonly SdkHttpClientFactory _http;

    public S3ClientFactory(StorageOptions options)
    {
        _options = options;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(options.ConnectTimeoutSeconds),
            // Re-resolve DNS now and then (endpoints behind load balancers move).
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            MaxConnectionsPerServer = 256,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            UseCookies = false,
            AllowAutoRedirect = false,
        };
        _http = new SdkHttpClientFactory(new HttpClient(handler, disposeHandler: true)
        {
            Timeout = TimeSpan.FromSeconds(options.RequestTimeoutSeconds),
        });
    }

    public AmazonS3Client Create(S3StorageProfile profile, S3AccessKeyCredential credential) => Create(profile, credential, _options.MaxRetries);

    public AmazonS3Client Create(S3StorageProfile profile, S3AccessKeyCredential credential, int maxRetries)
    {
        var config = profile.LegacyMd5Behavior == true ? LegacyMd5.Config() : new AmazonS3Config();
        config.ForcePathStyle = profile.PathStyleAccess;
        config.MaxErrorRetry = maxRetries;
        config.RetryMode = RequestRetryMode.Standard;
        config.Timeout = TimeSpan.FromSeconds(_options.RequestTimeoutSeconds);
        // Checksums only where S3 requires them: S3-compatible servers often reject the newer
        // trailing-checksum encodings.
        config.RequestChecksumCalculation = RequestChecksumCalculation.WHEN_REQUIRED;
        config.ResponseChecksumValidation = ResponseChecksumValidation.WHEN_REQUIRED;
        config.HttpClientFactory = _http;
        if (profile.ServiceUrl is { } serviceUrl)
        {
            config.ServiceURL = serviceUrl;
            config.AuthenticationRegion = profile.Region;
        }
        else
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(profile.Region);
        }

        AWSCredentials credentials = credential.SessionToken is { } token
            ? new SessionAWSCredentials(credential.AccessKeyId, credential.SecretAccessKey, token)
            : new BasicAWSCredentials(credential.AccessKeyId, credential.SecretAccessKey);
        return new AmazonS3Client(credentials, config);
    }

    public void Dispose() => _http.Dispose();
}
