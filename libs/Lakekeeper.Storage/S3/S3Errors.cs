using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.S3;
using Lakekeeper.Storage.Locations;
using Lakekeeper.Storage.Objects;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Storage.S3;

/// <summary>Turns AWS SDK failures into <see cref="StorageException"/>s with a kind and a clear message.</summary>
internal static class S3Errors
{
    /// <summary>A 404 for the object itself (not for the bucket).</summary>
    public static bool IsMissingObject(AmazonS3Exception ex) =>
        ex.StatusCode == HttpStatusCode.NotFound && ex.ErrorCode is not "NoSuchBucket";

    /// <summary>Everything except our own exceptions and the caller's cancellation.</summary>
    public static bool IsStorageFailure(Exception ex, CancellationToken cancellationToken) =>
        ex is not StorageException && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested);

    public static StorageException Map(Exception ex, string operation, StorageLocation location, S3StorageProfile profile)
    {
        var (kind, reason) = Classify(ex, profile);
        return new StorageException(kind, $"{operation} {location}: {reason}", ex);
    }

    internal static (StorageErrorKind Kind, string Reason) Classify(Exception ex, S3StorageProfile profile)
    {
        switch (ex)
        {
            case AmazonServiceException service when service.StatusCode != 0:
                return ClassifyService(service, profile);
            case AmazonServiceException or AmazonClientException when ex.InnerException is { } inner && IsNetwork(inner):
                return (StorageErrorKind.Unavailable, $"cannot reach {Where(profile)}: {inner.Message}");
            case HttpRequestException or IOException or SocketException or TimeoutException or OperationCanceledException:
                return (StorageErrorKind.Unavailable, $"cannot reach {Where(profile)}: {Describe(ex)}");
            case AmazonClientException client:
                return (StorageErrorKind.Invalid, $"S3 client error: {client.Message}");
            default:
                return (StorageErrorKind.Unavailable, $"unexpected S3 failure: {ex.GetType().Name}");
        }
    }

    private static (StorageErrorKind, string) ClassifyService(AmazonServiceException ex, S3StorageProfile profile)
    {
        var status = (int)ex.StatusCode;
        var code = string.IsNullOrEmpty(ex.ErrorCode) ? "HTTP " + status : ex.ErrorCode;
        var detail = string.IsNullOrEmpty(ex.Message) ? code : $"{code}: {ex.Message}";
        switch (ex.ErrorCode)
        {
            case "NoSuchBucket":
                return (StorageErrorKind.NotFound, $"bucket '{profile.Bucket}' does not exist at {Where(profile)} ({code})");
            case "PermanentRedirect" or "AuthorizationHeaderMalformed" or "IllegalLocationConstraintException":
                return (StorageErrorKind.Invalid,
                    $"bucket '{profile.Bucket}' is not in region '{profile.Region}' or needs another endpoint ({detail})");
            case "InvalidAccessKeyId" or "SignatureDoesNotMatch" or "InvalidToken" or "ExpiredToken" or "TokenRefreshRequired":
                return (StorageErrorKind.AccessDenied, $"the storage credential was rejected ({code})");
            case "SlowDown" or "RequestTimeout" or "InternalError" or "ServiceUnavailable" or "RequestTimeTooSkewed":
                return (StorageErrorKind.Unavailable, $"S3 is unavailable or throttling ({detail})");
        }

        return status switch
        {
            401 or 403 => (StorageErrorKind.AccessDenied, $"access denied by {Where(profile)} ({detail})"),
            404 => (StorageErrorKind.NotFound, $"not found ({detail})"),
            409 => (StorageErrorKind.Conflict, $"a concurrent request conflicted; retry ({detail})"),
            412 => (StorageErrorKind.Conflict, $"precondition failed ({detail})"),
            408 or 429 or >= 500 => (StorageErrorKind.Unavailable, $"S3 is unavailable or throttling ({detail})"),
            301 or 307 => (StorageErrorKind.Invalid,
                $"bucket '{profile.Bucket}' must be addressed through another endpoint or region ({detail})"),
            _ => (StorageErrorKind.Invalid, $"request refused ({detail})"),
        };
    }

    private static bool IsNetwork(Exception ex) =>
        ex is HttpRequestException or IOException or SocketException or TimeoutException or TaskCanceledException;

    private static string Describe(Exception ex) =>
        ex is OperationCanceledException ? "the request timed out" : ex.Message;

    private static string Where(S3StorageProfile profile) =>
        profile.ServiceUrl ?? $"AWS S3 ({profile.Region})";
}
