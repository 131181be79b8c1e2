using System.Net.Sockets;
using System.Text;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>
/// HTTP/1.1 over a plain socket, for request targets <see cref="HttpClient"/> would normalise
/// (dot segments, absolute-form). Reads the whole response (the server is asked to close).
/// </summary>
public static class RawHttp
{
    public static async Task<(int Status, string Body)> SendAsync(Uri server, string method, string target, string? body = null)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
        await using var stream = tcp.GetStream();
        var bytes = body is null ? [] : Encoding.UTF8.GetBytes(body);
        var head = new StringBuilder()
            .Append(method).Append(' ').Append(target).Append(" HTTP/1.1\r\n")
            .Append("Host: ").Append(server.Authority).Append("\r\n")
            .Append("Connection: close\r\n")
            .Append("Content-Type: application/json\r\n")
            .Append("Content-Length: ").Append(bytes.Length).Append("\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), TestContext.Current.CancellationToken);
        await stream.WriteAsync(bytes, TestContext.Current.CancellationToken);
        using var response = new MemoryStream();
        await stream.CopyToAsync(response, TestContext.Current.CancellationToken);
        var text = Encoding.UTF8.GetString(response.ToArray());
        var status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, split < 0 ? string.Empty : text[(split + 4)..]);
    }
}
