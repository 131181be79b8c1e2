using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Lakekeeper.ServiceDefaults.Tests;

/// <summary>
/// Issue 14, defect 5: what Kestrel refuses before any middleware runs (bad request line, bad
/// headers, limits) used to be answered with an empty body. Every such answer carries the error
/// contract; the answers of the application are untouched.
/// </summary>
public sealed class ProtocolRejectionTests
{
    public static TheoryData<string, string, int> Rejections() => new()
    {
        { "NUL in the path", "GET /a\0b HTTP/1.1\r\nHost: x\r\n\r\n", 400 },
        { "bare CR in the request line", "GET /a\rb HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 400 },
        { "two Content-Lengths", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400 },
        { "no Host", "GET /ok HTTP/1.1\r\n\r\n", 400 },
        { "two Hosts", "GET /ok HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400 },
        { "bad Host", "GET /ok HTTP/1.1\r\nHost: a b\r\n\r\n", 400 },
        { "header without a colon", "GET /ok HTTP/1.1\r\nHost: x\r\nBroken\r\n\r\n", 400 },
        { "bad chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400 },
        { "request line over 8 KiB", "GET /" + new string('a', 9000) + " HTTP/1.1\r\nHost: x\r\n\r\n", 414 },
        { "headers over 32 KiB", "GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: " + new string('b', 40_000) + "\r\n\r\n", 431 },
        { "over 100 headers", "GET /ok HTTP/1.1\r\nHost: x\r\n" + string.Concat(Enumerable.Range(0, 120).Select(i => $"X-H{i}: v\r\n")) + "\r\n", 431 },
    };

    [Theory]
    [MemberData(nameof(Rejections))]
    public async Task Kestrel_rejections_carry_the_error_contract(string what, string request, int status)
    {
        await using var host = await StartAsync();

        var (code, headers, body) = await SendRawAsync(host.Client.BaseAddress!, request);

        // 414 and 431 exactly; a malformed request a 4xx (Kestrel may take e.g. a bare CR into the path
        // and routing answers 404): what matters is that every answer has the error body.
        Assert.True(code == status || (status == 400 && code is >= 400 and < 500), $"{what}: expected {status}, got {code}\n{headers}{body}");
        Assert.Contains("Content-Type: application/json", headers, StringComparison.OrdinalIgnoreCase);
        using var json = JsonDocument.Parse(body);
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(code, error.GetProperty("code").GetInt32());
        Assert.False(string.IsNullOrEmpty(error.GetProperty("message").GetString()));
        Assert.False(string.IsNullOrEmpty(error.GetProperty("type").GetString()));
    }

    /// <summary>
    /// An empty 4xx from the application side (a bare status from a library or the framework) gets
    /// the error body from the status-code pages, not from the transport; a HEAD stays without body.
    /// </summary>
    [Fact]
    public async Task Empty_application_errors_get_the_error_contract_and_HEAD_stays_empty()
    {
        await using var host = await StartAsync();

        var (code, headers, body) = await SendRawAsync(host.Client.BaseAddress!, "GET /empty400 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(400, code);
        Assert.Contains("\"code\":400", body, StringComparison.Ordinal);
        Assert.Equal(1, CountOf(headers, "Content-Type"));

        (code, headers, body) = await SendRawAsync(host.Client.BaseAddress!, "HEAD /empty400 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        Assert.Equal(400, code);
        Assert.Empty(body);
    }

    /// <summary>The application's answers on a connection that Kestrel then refuses pass through as they were.</summary>
    [Fact]
    public async Task Application_answers_are_untouched()
    {
        await using var host = await StartAsync();
        int code;
        string headers;
        string body;

        // Several requests on one connection, one of them refused by Kestrel at the end.
        (code, headers, body) = await SendRawAsync(host.Client.BaseAddress!,
            "GET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /ok HTTP/1.1\r\nHost: x\r\n\r\nGET /a\0 HTTP/1.1\r\nHost: x\r\n\r\n");
        Assert.Equal(200, code);
        Assert.Equal(2, CountOf(headers + body, "HTTP/1.1 200 OK"));
        Assert.Equal(1, CountOf(headers + body, "HTTP/1.1 400 Bad Request"));
        Assert.Contains("\"code\":400", body, StringComparison.Ordinal);
    }

    [Fact]
    public void Only_an_empty_closing_4xx_head_is_rewritten()
    {
        var head = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\nDate: Sun, 06 Dec 2026 23:00:00 GMT\r\n\r\n"u8;
        var rewritten = Encoding.ASCII.GetString(Errors.ProtocolErrorBodies.Rewrite(head)!);
        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: ", rewritten, StringComparison.Ordinal);
        Assert.EndsWith("\r\n\r\n{\"error\":{\"message\":\"Malformed HTTP request: the server refused it before routing\",\"type\":\"BadRequestException\",\"code\":400}}", rewritten, StringComparison.Ordinal);

        Assert.Null(Errors.ProtocolErrorBodies.Rewrite("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nDate: x\r\n\r\n"u8));
        Assert.Null(Errors.ProtocolErrorBodies.Rewrite("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8));
        Assert.Null(Errors.ProtocolErrorBodies.Rewrite("HTTP/1.1 400 Bad Request\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"u8));
        Assert.Null(Errors.ProtocolErrorBodies.Rewrite("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"u8));
    }

    private static Task<TestHost> StartAsync() => TestHost.StartAsync(map: app =>
    {
        app.MapGet("/ok", () => "ok");
        app.MapMethods("/empty400", ["GET", "HEAD"], () => Results.StatusCode(400));
        app.MapPost("/echo", async (HttpContext c) => await new StreamReader(c.Request.Body).ReadToEndAsync());
    });

    private static int CountOf(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;

    /// <summary>Sends raw bytes and reads until the server closes; returns the first status, the first head and everything after it.</summary>
    private static async Task<(int Status, string Headers, string Body)> SendRawAsync(Uri server, string request)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(server.Host, server.Port, TestContext.Current.CancellationToken);
        await using var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request), TestContext.Current.CancellationToken);
        using var response = new MemoryStream();
        try
        {
            await stream.CopyToAsync(response, TestContext.Current.CancellationToken);
        }
        catch (IOException)
        {
            // A reset after the answer (the server closed with unread input): what arrived counts.
        }

        var text = Encoding.UTF8.GetString(response.ToArray());
        Assert.True(text.Length >= 12, $"no answer: '{text}'");
        var status = int.Parse(text.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        return (status, text[..(split + 2)], text[(split + 4)..]);
    }
}
