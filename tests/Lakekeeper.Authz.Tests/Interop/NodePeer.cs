using System.Diagnostics;
using System.Reflection;
using System.Text.Json;
using System.Threading.Channels;

namespace Lakekeeper.Authz.Tests.Interop;

/// <summary>
/// A foreign gRPC implementation driven as a child process: Node's @grpc/grpc-js with
/// @grpc/proto-loader (from tests/node), loading protos/authz.proto and a health.proto at run time.
/// A missing peer fails the test with the command that installs it.
/// </summary>
internal static class NodePeer
{
    private const string Install = "apt-get install -y nodejs npm && (cd tests/node && npm ci)";

    private static string Root { get; } = typeof(NodePeer).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    private static string Peers => Path.Combine(Root, "tests", "Lakekeeper.Authz.Tests", "Peers");

    private static string AuthzProto => Path.Combine(Root, "protos", "authz.proto");

    private static string HealthProto => Path.Combine(Peers, "health.proto");

    private static string NodeModules => Path.Combine(Root, "tests", "node", "node_modules");

    /// <summary>Runs the peer's client against <paramref name="address"/>; returns scenario -> observation.</summary>
    public static async Task<JsonElement> RunClientAsync(Uri address, CancellationToken cancellationToken)
    {
        using var process = Process.Start(Start("authz_client.js", $"{address.Host}:{address.Port}"))
            ?? throw new InvalidOperationException("Could not start node.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var output = await stdout;
        Assert.True(process.ExitCode == 0, $"node client exited with {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>Starts the peer's server on a free loopback port; dispose to stop it.</summary>
    public static async Task<PeerServer> StartServerAsync(CancellationToken cancellationToken)
    {
        var process = Process.Start(Start("authz_server.js")) ?? throw new InvalidOperationException("Could not start node.");
        var server = new PeerServer(process);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                await process.WaitForExitAsync(timeout.Token);
                throw new InvalidOperationException($"node server did not start (exit {process.ExitCode}): {line} {await process.StandardError.ReadToEndAsync(timeout.Token)}");
            }

            server.Listen(int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture));
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    private static ProcessStartInfo Start(string script, params string[] arguments)
    {
        foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
        {
            Assert.True(Directory.Exists(Path.Combine(NodeModules, package)),
                $"npm package {package} is missing from {NodeModules}. Install it with: {Install}");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[Path.Combine(Peers, script), AuthzProto, HealthProto, .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["NODE_PATH"] = NodeModules;
        return start;
    }
}

/// <summary>A running peer server: the calls it reports, one JSON object each; disposing closes its stdin (it stops).</summary>
internal sealed class PeerServer(Process process) : IAsyncDisposable
{
    private readonly Channel<JsonElement> _calls = Channel.CreateUnbounded<JsonElement>();
    private Task? _reader;

    public Uri Address { get; private set; } = null!;

    /// <summary>The next call of <paramref name="method"/> the server reports (calls of other methods before it are passed over).</summary>
    public async Task<JsonElement> NextCallAsync(string method, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (true)
        {
            var call = await _calls.Reader.ReadAsync(timeout.Token);
            if (call.GetProperty("method").GetString() == method)
            {
                return call;
            }
        }
    }

    public void Listen(int port)
    {
        Address = new Uri($"http://127.0.0.1:{port}");
        _reader = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                _calls.Writer.TryWrite(JsonDocument.Parse(line).RootElement.Clone());
            }

            _calls.Writer.TryComplete();
        });
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
        }
        finally
        {
            if (_reader is not null)
            {
                await _reader;
            }

            process.Dispose();
        }
    }
}
