using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Rpc.Tests.Infrastructure;

/// <summary>
/// A third-party gRPC implementation driven as a child process: Python grpcio (C-core) or Node
/// @grpc/grpc-js. A missing peer fails the test with the command that installs it.
/// </summary>
public abstract class Peer
{
    public static Peer Python { get; } = new PythonPeer();

    public static Peer Node { get; } = new NodePeer();

    public abstract string Name { get; }

    public static Peer Named(string name) => name switch
    {
        "python" => Python,
        "node" => Node,
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>Runs the peer's client against <paramref name="address"/>; returns scenario -> observation.</summary>
    public async Task<JsonElement> RunClientAsync(Uri address, CancellationToken cancellationToken)
    {
        var start = await ClientStartInfoAsync($"{address.Host}:{address.Port}", cancellationToken);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(120));
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
        Assert.True(process.ExitCode == 0, $"{Name} client exited with {process.ExitCode}: {await stderr}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    /// <summary>Starts the peer's server on a free loopback port; dispose to stop it.</summary>
    public async Task<PeerServer> StartServerAsync(CancellationToken cancellationToken)
    {
        var start = await ServerStartInfoAsync(cancellationToken);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        var errors = new StringBuilder();
        process.ErrorDataReceived += (_, e) =>
        {
            lock (errors)
            {
                errors.AppendLine(e.Data);
            }
        };
        process.BeginErrorReadLine();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token);
            if (line is null || !line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                await process.WaitForExitAsync(timeout.Token);
                string stderr;
                lock (errors)
                {
                    stderr = errors.ToString();
                }

                throw new InvalidOperationException($"{Name} server did not start (exit {process.ExitCode}): {line} {stderr}");
            }

            var port = int.Parse(line["LISTENING ".Length..], System.Globalization.CultureInfo.InvariantCulture);
            return new PeerServer(process, new Uri($"http://127.0.0.1:{port}"));
        }
        catch
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.Dispose();
            throw;
        }
    }

    protected abstract Task<ProcessStartInfo> ClientStartInfoAsync(string target, CancellationToken cancellationToken);

    protected abstract Task<ProcessStartInfo> ServerStartInfoAsync(CancellationToken cancellationToken);

    protected static ProcessStartInfo StartInfo(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    protected static async Task<(int ExitCode, string Output)> RunAsync(ProcessStartInfo start, CancellationToken cancellationToken)
    {
        try
        {
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            process.StandardInput.Close();
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await stdout + await stderr);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return (-1, ex.Message);
        }
    }

    private sealed class PythonPeer : Peer
    {
        // Debian's interpreter: its dist-packages hold python3-grpcio; a pyenv python3 on PATH does not.
        private const string Interpreter = "/usr/bin/python3";
        private const string Install = "apt-get install -y python3-grpcio python3-protobuf";
        private readonly SemaphoreSlim _generate = new(1, 1);
        private string? _generated;

        public override string Name => "python grpcio";

        protected override async Task<ProcessStartInfo> ClientStartInfoAsync(string target, CancellationToken cancellationToken) =>
            StartInfo(Interpreter, Path.Combine(Repository.PeersDirectory, "python_client.py"), await GeneratedAsync(cancellationToken), target);

        protected override async Task<ProcessStartInfo> ServerStartInfoAsync(CancellationToken cancellationToken) =>
            StartInfo(Interpreter, Path.Combine(Repository.PeersDirectory, "python_server.py"), await GeneratedAsync(cancellationToken));

        /// <summary>Checks grpcio is importable and generates echo_pb2.py with Grpc.Tools' protoc, once.</summary>
        private async Task<string> GeneratedAsync(CancellationToken cancellationToken)
        {
            await _generate.WaitAsync(cancellationToken);
            try
            {
                if (_generated is not null)
                {
                    return _generated;
                }

                var check = await RunAsync(StartInfo(Interpreter, "-c", "import grpc, google.protobuf"), cancellationToken);
                Assert.True(check.ExitCode == 0,
                    $"The Python gRPC peer is missing ({Interpreter}: {check.Output.Trim()}). Install it with: {Install}");

                var directory = Directory.CreateTempSubdirectory("lakekeeper-rpc-python-").FullName;
                var protoc = Repository.Protoc;
                Assert.True(File.Exists(protoc), $"protoc not found at {protoc}; restore the Grpc.Tools package (dotnet restore).");
                var generate = await RunAsync(
                    StartInfo(protoc, "--proto_path=" + Path.GetDirectoryName(Repository.EchoProto), "--python_out=" + directory, Repository.EchoProto),
                    cancellationToken);
                Assert.True(generate.ExitCode == 0, $"protoc --python_out failed: {generate.Output}");
                return _generated = directory;
            }
            finally
            {
                _generate.Release();
            }
        }
    }

    private sealed class NodePeer : Peer
    {
        private const string Install = "apt-get install -y nodejs npm && (cd tests/node && npm ci)";

        public override string Name => "node @grpc/grpc-js";

        protected override async Task<ProcessStartInfo> ClientStartInfoAsync(string target, CancellationToken cancellationToken) =>
            await NodeAsync("node_client.js", [Repository.EchoProto, target], cancellationToken);

        protected override async Task<ProcessStartInfo> ServerStartInfoAsync(CancellationToken cancellationToken) =>
            await NodeAsync("node_server.js", [Repository.EchoProto], cancellationToken);

        private static async Task<ProcessStartInfo> NodeAsync(string script, string[] arguments, CancellationToken cancellationToken)
        {
            var version = await RunAsync(StartInfo("node", "--version"), cancellationToken);
            Assert.True(version.ExitCode == 0, $"node is missing ({version.Output.Trim()}). Install it with: {Install}");
            foreach (var package in new[] { "@grpc/grpc-js", "@grpc/proto-loader" })
            {
                Assert.True(Directory.Exists(Path.Combine(Repository.NodeModules, package)),
                    $"npm package {package} is missing from {Repository.NodeModules}. Install it with: {Install}");
            }

            var start = StartInfo("node", [Path.Combine(Repository.PeersDirectory, script), .. arguments]);
            start.Environment["NODE_PATH"] = Repository.NodeModules;
            return start;
        }
    }
}

/// <summary>A running peer server; disposing closes its stdin (it stops) and reaps the process.</summary>
public sealed class PeerServer(Process process, Uri address) : IAsyncDisposable
{
    public Uri Address { get; } = address;

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
            process.Dispose();
        }
    }
}
