using System.Security.Cryptography;
using Amazon.Runtime;
using Amazon.Runtime.Internal;
using Amazon.S3;
using Amazon.S3.Model;

namespace Lakekeeper.Storage.S3;

/// <summary>
/// Lakekeeper's <c>legacy-md5-behavior</c>. S3 requires an integrity checksum on DeleteObjects; the AWS SDK
/// now sends a CRC32 (<c>x-amz-checksum-crc32</c>) where it used to send <c>Content-MD5</c>, and
/// S3-compatible servers that predate flexible checksums refuse such a request. For clients of a profile
/// with the setting on, a handler in the SDK's own pipeline (registered once per process, acting only on
/// clients made with <see cref="Config"/>) replaces the checksum headers of a DeleteObjects request by
/// <c>Content-MD5</c> before the request is signed.
/// </summary>
internal static class LegacyMd5
{
    private static readonly Lazy<bool> Registered = new(static () =>
    {
        RuntimePipelineCustomizerRegistry.Instance.Register(new Customizer());
        return true;
    });

    /// <summary>A client configuration whose DeleteObjects requests carry <c>Content-MD5</c> instead of a flexible checksum.</summary>
    public static AmazonS3Config Config()
    {
        _ = Registered.Value;
        return new LegacyMd5Config();
    }

    private sealed class LegacyMd5Config : AmazonS3Config;

    private sealed class Customizer : IRuntimePipelineCustomizer
    {
        public string UniqueName => "lakekeeper-legacy-md5";

        public void Customize(Type type, RuntimePipeline pipeline)
        {
            if (type == typeof(AmazonS3Client))
            {
                // After the SDK computed its checksum, before the signer signs the headers.
                pipeline.AddHandlerAfter<ChecksumHandler>(new Md5Handler());
            }
        }
    }

    private sealed class Md5Handler : PipelineHandler
    {
        public override void InvokeSync(IExecutionContext executionContext)
        {
            Replace(executionContext);
            base.InvokeSync(executionContext);
        }

        public override Task<T> InvokeAsync<T>(IExecutionContext executionContext)
        {
            Replace(executionContext);
            return base.InvokeAsync<T>(executionContext);
        }

        private static void Replace(IExecutionContext executionContext)
        {
            var context = executionContext.RequestContext;
            if (context.ClientConfig is not LegacyMd5Config || context.OriginalRequest is not DeleteObjectsRequest)
            {
                return;
            }

            var request = context.Request;
            foreach (var name in request.Headers.Keys.Where(IsFlexibleChecksum).ToList())
            {
                request.Headers.Remove(name);
            }

            request.Headers["Content-MD5"] = Convert.ToBase64String(request.ContentStream is { CanSeek: true } stream
                ? HashFromStart(stream)
                : MD5.HashData(request.Content ?? []));
        }

        private static bool IsFlexibleChecksum(string header) =>
            header.StartsWith("x-amz-checksum-", StringComparison.OrdinalIgnoreCase)
            || header.Equals("x-amz-sdk-checksum-algorithm", StringComparison.OrdinalIgnoreCase);

        private static byte[] HashFromStart(Stream stream)
        {
            var position = stream.Position;
            stream.Position = 0;
            var hash = MD5.HashData(stream);
            stream.Position = position;
            return hash;
        }
    }
}
