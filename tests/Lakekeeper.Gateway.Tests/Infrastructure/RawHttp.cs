using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Lakekeeper.Gateway.Tests.Infrastructure;

/// <summary>A response read off the wire by <see cref="RawHttp"/>.</summary>
internal sealed record RawResponse(int Status, IReadOnlyList<KeyValuePair<string, string>> Headers, string Body)
{
    public string[] Values(string name) => [.. Headers.Where(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(h => h.Value)];
}

/// <summary>
/// HTTP/1.1 over a plain socket, for what HttpClient would normalise: the exact request target and
/// hop-by-hop headers. Sends <c>Connection: close</c> and reads to the end of the stream.
/// </summary>
internal static class RawHttp
{
    public static Task<RawResponse> SendAsync(int port, string method, string target, params string[] headers) =>
        SendWithBodyAsync(port, method, target, string.Empty, headers);

    /// <summary>Sends <paramref name="body"/> verbatim after the head, e.g. a deliberately broken chunked body.</summary>
    public static async Task<RawResponse> SendWithBodyAsync(int port, string method, string target, string body, params string[] headers)
    {
        var request = new StringBuilder();
        request.Append($"{method} {target} HTTP/1.1\r\n");
        if (!headers.Any(h => h.StartsWith("Host:", StringComparison.OrdinalIgnoreCase)))
        {
            request.Append($"Host: 127.0.0.1:{port}\r\n");
        }

        foreach (var header in headers)
        {
            request.Append(header).Append("\r\n");
        }

        if (!headers.Any(h => h.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)))
        {
            request.Append("Connection: close\r\n");
        }

        request.Append("\r\n").Append(body);

        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, Deadline.Test);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request.ToString()), Deadline.Test);
        return await ReadResponseAsync(stream).WaitAsync(Deadline.Signal, Deadline.Test);
    }

    /// <summary>Reads one response: the head, then a Content-Length body, a chunked body or everything to the end.</summary>
    private static async Task<RawResponse> ReadResponseAsync(Stream stream)
    {
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];
        int headEnd;
        while ((headEnd = IndexOf(received, "\r\n\r\n"u8)) < 0)
        {
            var read = await stream.ReadAsync(buffer, Deadline.Test);
            Assert.True(read > 0, "the connection closed before a complete response head: " + Encoding.ASCII.GetString([.. received]));
            received.AddRange(buffer.AsSpan(0, read));
        }

        var lines = Encoding.ASCII.GetString([.. received[..headEnd]]).Split("\r\n");
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = lines.Skip(1)
            .Select(line => line.Split(':', 2))
            .Select(parts => KeyValuePair.Create(parts[0].Trim(), parts[1].Trim()))
            .ToList();
        var body = received[(headEnd + 4)..];
        var contentLength = headers.Where(h => h.Key.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Select(h => (int?)int.Parse(h.Value, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
        var chunked = headers.Any(h => h.Key.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase));
        while (!(contentLength is { } length ? body.Count >= length : chunked && IndexOf(body, "0\r\n\r\n"u8) >= 0))
        {
            var read = await stream.ReadAsync(buffer, Deadline.Test);
            if (read == 0)
            {
                break;
            }

            body.AddRange(buffer.AsSpan(0, read));
        }

        var text = Encoding.ASCII.GetString([.. body]);
        return new RawResponse(status, headers, chunked ? Dechunk(text) : text);
    }

    private static int IndexOf(List<byte> data, ReadOnlySpan<byte> value) =>
        System.Runtime.InteropServices.CollectionsMarshal.AsSpan(data).IndexOf(value);

    private static string Dechunk(string chunked)
    {
        var body = new StringBuilder();
        var position = 0;
        while (true)
        {
            var lineEnd = chunked.IndexOf("\r\n", position, StringComparison.Ordinal);
            var size = Convert.ToInt32(chunked[position..lineEnd].Split(';')[0], 16);
            if (size == 0)
            {
                return body.ToString();
            }

            body.Append(chunked, lineEnd + 2, size);
            position = lineEnd + 2 + size + 2;
        }
    }
}
