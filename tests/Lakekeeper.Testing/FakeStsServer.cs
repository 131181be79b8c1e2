using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Testing;

/// <summary>
/// A fake AWS STS (there is no AWS here) on a free loopback port: a Python HTTP server that answers
/// <c>AssumeRole</c> only after checking the request's SigV4 signature with botocore (Debian's
/// python3-botocore), and records every request so tests can read the session policy sent. Roles whose
/// names end in <c>denied</c> get AccessDenied, in <c>unavailable</c> a 503. Credentials expire
/// <c>DurationSeconds</c> after the request.
/// </summary>
public sealed class FakeStsServer : IAsyncDisposable
{
    private const string Interpreter = "/usr/bin/python3";

    private readonly Process _process;
    private readonly StringBuilder _stderr = new();

    private FakeStsServer(Process process) => _process = process;

    public Uri Endpoint { get; private set; } = null!;

    /// <param name="keys">Access key id → secret of the callers STS accepts.</param>
    public static async Task<FakeStsServer> StartAsync(IReadOnlyDictionary<string, string> keys, string region = "us-east-1")
    {
        if (!File.Exists(Interpreter) || !Directory.Exists("/usr/lib/python3/dist-packages/botocore"))
        {
            throw new InvalidOperationException("The fake STS needs Debian's python3-botocore: apt-get install -y python3-boto3 (./lakekeeper test installs it).");
        }

        var info = new ProcessStartInfo(Interpreter)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(ServiceProcess.RepositoryRoot, "tests", "Lakekeeper.Testing", "Python", "fake_sts.py"));
        info.ArgumentList.Add(JsonSerializer.Serialize(new { keys, region }));
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start python3");
        var server = new FakeStsServer(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (server._stderr)
                {
                    server._stderr.AppendLine(e.Data);
                }
            }
        };
        process.BeginErrorReadLine();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var line = await process.StandardOutput.ReadLineAsync(deadline.Token);
        if (line is null)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException("the fake STS exited before listening: " + server.Stderr());
        }

        server.Endpoint = new Uri($"http://127.0.0.1:{JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32()}");
        return server;
    }

    /// <summary>Every request the server saw, oldest first.</summary>
    public async Task<IReadOnlyList<StsRequest>> RequestsAsync()
    {
        using var http = new HttpClient();
        using var document = JsonDocument.Parse(await http.GetStringAsync(new Uri(Endpoint, "/_requests")));
        return [.. document.RootElement.EnumerateArray().Select(e => new StsRequest(
            e.GetProperty("action").GetString(),
            e.GetProperty("params").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty),
            e.GetProperty("signature_valid").GetBoolean(),
            e.GetProperty("access_key_id").GetString(),
            DateTimeOffset.Parse(e.GetProperty("expiration").GetString()!, System.Globalization.CultureInfo.InvariantCulture)))];
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            _process.StandardInput.Close();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
        }
        finally
        {
            _process.Dispose();
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.ToString();
        }
    }
}

/// <summary>One request to the fake STS: the action, its form parameters (RoleArn, Policy, …) and whether its signature verified.</summary>
public sealed record StsRequest(string? Action, IReadOnlyDictionary<string, string> Parameters, bool SignatureValid, string? AccessKeyId, DateTimeOffset Expiration);
