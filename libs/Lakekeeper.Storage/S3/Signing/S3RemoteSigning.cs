namespace Lakekeeper.Storage.S3.Signing;

/// <summary>
/// Signing of an engine's S3 request on its behalf (the remote-signing protocol): which headers are
/// signed, which pass through unsigned, and what the engine gets back.
/// </summary>
public static class S3RemoteSigning
{
    /// <summary>
    /// Headers that are not signed: those a client or an HTTP library may change between signing and
    /// sending (<c>range</c> on retries, the SDKs' invocation and retry counters, <c>user-agent</c>,
    /// <c>expect</c>, tracing), and those the signer sets itself (<c>x-amz-date</c>,
    /// <c>x-amz-content-sha256</c>, <c>x-amz-security-token</c>, <c>authorization</c>). <c>host</c> is
    /// always taken from the URL, never from the request.
    /// </summary>
    public static IReadOnlySet<string> UnsignedHeaders { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        "range", "amz-sdk-invocation-id", "amz-sdk-retry", "amz-sdk-request", "user-agent", "expect", "x-amzn-trace-id",
        "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization", "host",
    };

    /// <summary>
    /// Signs the request with <paramref name="credential"/>: the body's SHA-256 when a body is given
    /// (DeleteObjects, whose keys were checked), else <c>UNSIGNED-PAYLOAD</c>. Returns every header the
    /// engine must send: its own (unsigned ones included, <c>host</c> and replaced ones left out) and
    /// the signature's.
    /// </summary>
    public static (IReadOnlyDictionary<string, IReadOnlyList<string>> Headers, SigV4Signature Signature) Sign(
        string method,
        S3RequestUrl url,
        IReadOnlyDictionary<string, IReadOnlyList<string>> headers,
        string? body,
        SigV4Credential credential,
        string region,
        DateTimeOffset time)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var payloadHash = body is null ? SigV4.UnsignedPayload : SigV4.PayloadHash(System.Text.Encoding.UTF8.GetBytes(body));
        var toSign = headers.Where(static h => !UnsignedHeaders.Contains(h.Key));
        var signature = SigV4.Sign(method, url, toSign, payloadHash, credential, region, time);

        var result = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in headers)
        {
            if (name.Equals("host", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (result.TryGetValue(name, out var existing))
            {
                result[name] = [.. existing, .. values];
            }
            else
            {
                result[name] = values;
            }
        }

        foreach (var (name, value) in signature.Headers)
        {
            result[name] = [value];
        }

        return (result, signature);
    }
}
