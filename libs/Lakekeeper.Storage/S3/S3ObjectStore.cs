using System.Net;
using System.Runtime.CompilerServices;
using Amazon.S3;
using Amazon.S3.Model;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;
using Microsoft.Extensions.Logging;

namespace Lakekeeper.Storage.S3;

/// <summary>
/// A warehouse in an S3 bucket (AWS or S3-compatible), confined to <c>s3://bucket/key-prefix</c>.
/// </summary>
internal sealed partial class S3ObjectStore : IObjectStore, IDisposable
{
    /// <summary>DeleteObjects accepts at most this many keys per request (an S3 limit).</summary>
    internal const int DeleteBatchSize = 1000;

    private readonly IAmazonS3 _client;
    private readonly S3StorageProfile _profile;
    private readonly long _maxReadBytes;
    private readonly ILogger _logger;

    /// <summary>
    /// AWS honours <c>If-None-Match: *</c> on PUT; S3-compatible servers may ignore it, so for them a
    /// HEAD runs first as well. Set once a server rejects the header (501/400), after which only the HEAD guards.
    /// </summary>
    private volatile bool _conditionalWriteUnsupported;

    public S3ObjectStore(S3StorageProfile profile, IAmazonS3 client, long maxReadBytes, ILogger logger)
    {
        _profile = profile;
        _client = client;
        _maxReadBytes = maxReadBytes;
        _logger = logger;
        BaseLocation = profile.BaseLocation;
    }

    public StorageLocation BaseLocation { get; }

    private bool IsS3Compatible => _profile.Endpoint is not null;

    public async Task<StorageWriteResult> WriteAsync(
        StorageLocation location, ReadOnlyMemory<byte> content, bool createOnly, CancellationToken cancellationToken)
    {
        var key = Resolve(location, allowBase: false);
        try
        {
            if (createOnly && (IsS3Compatible || _conditionalWriteUnsupported) &&
                await HeadAsync(key, cancellationToken))
            {
                return StorageWriteResult.AlreadyExists;
            }

            var conditional = createOnly && !_conditionalWriteUnsupported;
            try
            {
                await PutAsync(key, content, conditional, cancellationToken);
            }
            catch (AmazonS3Exception ex) when (conditional && IsConditionalHeaderRejected(ex))
            {
                _conditionalWriteUnsupported = true;
                LogConditionalWritesUnsupported(_logger, _profile.Bucket, (int)ex.StatusCode, ex.ErrorCode);
                if (await HeadAsync(key, cancellationToken))
                {
                    return StorageWriteResult.AlreadyExists;
                }

                await PutAsync(key, content, conditional: false, cancellationToken);
            }

            return StorageWriteResult.Written;
        }
        catch (AmazonS3Exception ex) when (createOnly && ex.StatusCode == HttpStatusCode.PreconditionFailed)
        {
            return StorageWriteResult.AlreadyExists;
        }
        catch (Exception ex) when (S3Errors.IsStorageFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, "write", location, _profile);
        }
    }

    public async Task<StorageReadResult> ReadAsync(StorageLocation location, CancellationToken cancellationToken)
    {
        var key = Resolve(location, allowBase: true);
        if (key.Length == 0)
        {
            return StorageReadResult.NotFound;
        }

        try
        {
            using var response = await _client.GetObjectAsync(
                new GetObjectRequest { BucketName = _profile.Bucket, Key = key }, cancellationToken);
            var declared = response.ContentLength;
            if (declared > _maxReadBytes)
            {
                throw TooLarge(location, declared);
            }

            var stream = response.ResponseStream;
            await using (stream)
            {
                return StorageReadResult.Of(await ReadBoundedAsync(stream, declared, location, cancellationToken));
            }
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            return StorageReadResult.NotFound;
        }
        catch (Exception ex) when (S3Errors.IsStorageFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, "read", location, _profile);
        }
    }

    public async Task<bool> ExistsAsync(StorageLocation location, CancellationToken cancellationToken)
    {
        var key = Resolve(location, allowBase: true);
        if (key.Length == 0)
        {
            return false;
        }

        try
        {
            return await HeadAsync(key, cancellationToken);
        }
        catch (Exception ex) when (S3Errors.IsStorageFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, "check", location, _profile);
        }
    }

    public async Task DeleteAsync(StorageLocation location, CancellationToken cancellationToken)
    {
        var key = Resolve(location, allowBase: false);
        try
        {
            await _client.DeleteObjectAsync(
                new DeleteObjectRequest { BucketName = _profile.Bucket, Key = key }, cancellationToken);
        }
        catch (AmazonS3Exception ex) when (S3Errors.IsMissingObject(ex))
        {
            // Already gone.
        }
        catch (Exception ex) when (S3Errors.IsStorageFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, "delete", location, _profile);
        }
    }

    public async Task<long> DeletePrefixAsync(StorageLocation prefix, CancellationToken cancellationToken)
    {
        var key = Resolve(prefix, allowBase: false);
        long deleted = 0;
        try
        {
            var batch = new List<string>(DeleteBatchSize);
            await foreach (var objectKey in ListKeysAsync(key + "/", cancellationToken))
            {
                batch.Add(objectKey);
                if (batch.Count == DeleteBatchSize)
                {
                    deleted += await DeleteBatchAsync(batch, prefix, cancellationToken);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                deleted += await DeleteBatchAsync(batch, prefix, cancellationToken);
            }

            return deleted;
        }
        catch (Exception ex) when (S3Errors.IsStorageFailure(ex, cancellationToken))
        {
            throw S3Errors.Map(ex, $"purge (after {deleted} deleted)", prefix, _profile);
        }
    }

    public async IAsyncEnumerable<StorageObjectInfo> ListAsync(
        StorageLocation prefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var key = Resolve(prefix, allowBase: true);
        var request = new ListObjectsV2Request
        {
            BucketName = _profile.Bucket,
            Prefix = key.Length == 0 ? null : key + "/",
            MaxKeys = 1000,
        };
        while (true)
        {
            ListObjectsV2Response response;
            try
            {
                response = await _client.ListObjectsV2Async(request, cancellationToken);
            }
            catch (Exception ex) when (S3Errors.IsStorageFailure(ex, cancellationToken))
            {
                throw S3Errors.Map(ex, "list", prefix, _profile);
            }

            foreach (var item in response.S3Objects ?? [])
            {
                if (StorageLocation.TryCreate(StorageScheme.S3, _profile.Bucket, item.Key, item.Key, out var location, out _))
                {
                    yield return new StorageObjectInfo(
                        location,
                        item.Size ?? 0,
                        item.LastModified is { } modified ? new DateTimeOffset(modified.ToUniversalTime(), TimeSpan.Zero) : null);
                }
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    public void Dispose() => _client.Dispose();

    private async IAsyncEnumerable<string> ListKeysAsync(string keyPrefix, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var request = new ListObjectsV2Request { BucketName = _profile.Bucket, Prefix = keyPrefix, MaxKeys = DeleteBatchSize };
        while (true)
        {
            var response = await _client.ListObjectsV2Async(request, cancellationToken);
            foreach (var item in response.S3Objects ?? [])
            {
                yield return item.Key;
            }

            if (response.IsTruncated != true || string.IsNullOrEmpty(response.NextContinuationToken))
            {
                yield break;
            }

            request.ContinuationToken = response.NextContinuationToken;
        }
    }

    /// <summary>
    /// Reads the whole body, never more than the limit: a declared length is checked up front, and
    /// a body without one (or longer than declared) is cut off at the limit instead of buffered.
    /// </summary>
    private async Task<byte[]> ReadBoundedAsync(Stream stream, long declared, StorageLocation location, CancellationToken cancellationToken)
    {
        var buffer = new byte[declared > 0 ? declared : Math.Min(_maxReadBytes, 64 * 1024)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length >= _maxReadBytes)
                {
                    // Full at the limit: one more byte means too large.
                    var extra = new byte[1];
                    if (await stream.ReadAsync(extra, cancellationToken) == 0)
                    {
                        break;
                    }

                    throw TooLarge(location, length + 1);
                }

                if (declared > 0 && length == declared)
                {
                    var extra = new byte[1];
                    if (await stream.ReadAsync(extra, cancellationToken) == 0)
                    {
                        break;
                    }

                    throw new StorageException(
                        StorageErrorKind.Unavailable, $"read {location}: the body is longer than its Content-Length");
                }

                Array.Resize(ref buffer, (int)Math.Min(_maxReadBytes, (long)buffer.Length * 2));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length), cancellationToken);
            if (read == 0)
            {
                if (declared > 0 && length < declared)
                {
                    throw new StorageException(
                        StorageErrorKind.Unavailable, $"read {location}: the connection closed after {length} of {declared} bytes");
                }

                break;
            }

            length += read;
        }

        return length == buffer.Length ? buffer : buffer[..length];
    }

    private async Task<long> DeleteBatchAsync(List<string> keys, StorageLocation prefix, CancellationToken cancellationToken)
    {
        var request = new DeleteObjectsRequest
        {
            BucketName = _profile.Bucket,
            Quiet = true,
            Objects = [.. keys.Select(k => new KeyVersion { Key = k })],
        };
        List<DeleteError> errors;
        try
        {
            var response = await _client.DeleteObjectsAsync(request, cancellationToken);
            errors = response.DeleteErrors ?? [];
        }
        catch (DeleteObjectsException ex)
        {
            // The SDK raises this when the request succeeded but some keys were not deleted.
            errors = ex.Response?.DeleteErrors ?? [];
        }

        var failures = errors.Where(e => e.Code is not "NoSuchKey").ToList();
        if (failures.Count > 0)
        {
            var first = failures[0];
            var kind = first.Code is "AccessDenied" ? StorageErrorKind.AccessDenied : StorageErrorKind.Unavailable;
            throw new StorageException(
                kind,
                $"purge {prefix}: {failures.Count} of {keys.Count} objects in a batch were not deleted (first: {first.Code} for key '{first.Key}')");
        }

        LogBatchDeleted(_logger, keys.Count, prefix.ToString());
        return keys.Count;
    }

    private async Task PutAsync(string key, ReadOnlyMemory<byte> content, bool conditional, CancellationToken cancellationToken)
    {
        // The payload is in memory: send it with its SHA-256 in one piece (no aws-chunked encoding,
        // which several S3-compatible servers do not support).
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(content, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(content.ToArray(), writable: false);
        await using (stream)
        {
            var request = new PutObjectRequest
            {
                BucketName = _profile.Bucket,
                Key = key,
                InputStream = stream,
                AutoCloseStream = false,
                UseChunkEncoding = false,
                ContentType = key.EndsWith(".json", StringComparison.Ordinal) ? "application/json" : "application/octet-stream",
            };
            if (conditional)
            {
                request.IfNoneMatch = "*";
            }

            await _client.PutObjectAsync(request, cancellationToken);
        }
    }

    private async Task<bool> HeadAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            await _client.GetObjectMetadataAsync(
                new GetObjectMetadataRequest { BucketName = _profile.Bucket, Key = key }, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception ex) when (ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is not "NoSuchBucket")
        {
            // HEAD has no body, so a missing bucket also looks like 404 without a code; a later
            // request reports it properly.
            return false;
        }
    }

    /// <summary>The S3 key of a location inside the warehouse; refuses anything else.</summary>
    private string Resolve(StorageLocation location, bool allowBase)
    {
        ArgumentNullException.ThrowIfNull(location);
        if (!location.IsUnder(BaseLocation))
        {
            throw new StorageException(
                StorageErrorKind.Invalid, $"{location} is outside the warehouse location {BaseLocation}");
        }

        if (!allowBase && location.Equals(BaseLocation))
        {
            throw new StorageException(
                StorageErrorKind.Invalid, $"{location} is the warehouse location itself, not an object below it");
        }

        return location.Path;
    }

    private StorageException TooLarge(StorageLocation location, long size) => new(
        StorageErrorKind.TooLarge,
        $"{location} is {size} bytes, more than the limit of {_maxReadBytes} (LAKEKEEPER__STORAGE__MAXREADBYTES)");

    private static bool IsConditionalHeaderRejected(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotImplemented ||
        (ex.StatusCode == HttpStatusCode.BadRequest && ex.ErrorCode is "NotImplemented");

    [LoggerMessage(EventId = 2101, Level = LogLevel.Warning,
        Message = "S3 server for bucket {Bucket} rejected If-None-Match on PUT ({Status} {Code}); create-only writes now rely on a HEAD check")]
    private static partial void LogConditionalWritesUnsupported(ILogger logger, string bucket, int status, string? code);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Deleted {Count} objects under {Prefix}")]
    private static partial void LogBatchDeleted(ILogger logger, int count, string prefix);
}
