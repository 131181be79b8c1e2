using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Lakekeeper.Testing;

/// <summary>
/// A real <c>nats-server</c> (Debian's package) with JetStream, on a free loopback port with its own
/// store folder. It can be stopped and started again on the same port and store, the way a broker
/// outage looks to clients; JetStream streams survive the restart.
/// </summary>
public sealed class NatsServer : IAsyncDisposable
{
    private readonly string _binary;
    private readonly string _store;
    private readonly string[] _arguments;
    private readonly StringBuilder _output = new();
    private string? _configFile;
    private Process? _process;

    private NatsServer(string binary, string store, int port, string[] arguments)
    {
        _binary = binary;
        _store = store;
        Port = port;
        _arguments = arguments;
    }

    public int Port { get; }

    public string Url => $"nats://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}";

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>Starts a server; <paramref name="arguments"/> are added to its command line (e.g. <c>--auth</c>).</summary>
    public static async Task<NatsServer> StartAsync(params string[] arguments)
    {
        var binary = Find() ?? throw new InvalidOperationException(
            "nats-server was not found on PATH or in /usr/sbin. Install it with 'sudo apt-get install -y nats-server' " +
            "(./lakekeeper test installs it).");
        var server = new NatsServer(binary, Directory.CreateTempSubdirectory("lakekeeper-nats-").FullName, FreePort.Next(), arguments);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>
    /// Starts a server that reads <paramref name="config"/> (nats-server's configuration format, e.g. an
    /// <c>authorization</c> block or an operator) from a file, with JetStream on its own store. Only a
    /// server started this way can <see cref="ReloadAsync"/> a changed configuration.
    /// </summary>
    public static async Task<NatsServer> StartWithConfigAsync(string config)
    {
        var binary = Find() ?? throw new InvalidOperationException(
            "nats-server was not found on PATH or in /usr/sbin. Install it with 'sudo apt-get install -y nats-server' " +
            "(./lakekeeper test installs it).");
        var server = new NatsServer(binary, Directory.CreateTempSubdirectory("lakekeeper-nats-").FullName, FreePort.Next(), []);
        server._configFile = Path.Combine(server._store, "nats.conf");
        await server.WriteConfigAsync(config);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again) on the same port and store, and waits until it accepts connections.</summary>
    public async Task StartAgainAsync()
    {
        if (IsRunning)
        {
            return;
        }

        var info = new ProcessStartInfo(_binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // With a configuration file JetStream and its store are set there: the same setting in both
        // places is refused, and a reload turns off what the file does not say.
        string[] fixedArguments = _configFile is null
            ? ["-js", "-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-sd", _store]
            : ["-a", "127.0.0.1", "-p", Port.ToString(CultureInfo.InvariantCulture), "-c", _configFile];
        foreach (var argument in fixedArguments.Concat(_arguments))
        {
            info.ArgumentList.Add(argument);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start nats-server");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"nats-server exited with {process.ExitCode}:\n{Output}");
            }

            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync("127.0.0.1", Port);
                return true;
            }
            catch (SocketException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(20), "nats-server to accept connections");
    }

    /// <summary>
    /// Replaces the configuration of a server started with <see cref="StartWithConfigAsync"/> and makes
    /// it read the file again (<c>nats-server --signal reload</c>, as an operator rotating credentials
    /// does); waits until the server says it did.
    /// </summary>
    public async Task ReloadAsync(string config)
    {
        if (_configFile is null)
        {
            throw new InvalidOperationException("only a server started with a configuration file can reload it");
        }

        await WriteConfigAsync(config);
        var pid = _process is { HasExited: false } process ? process.Id : throw new InvalidOperationException("nats-server is not running");
        var reloaded = Count(Output, "Reloaded server configuration");
        var info = new ProcessStartInfo(_binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add("--signal");
        info.ArgumentList.Add("reload=" + pid.ToString(CultureInfo.InvariantCulture));
        using (var signal = Process.Start(info) ?? throw new InvalidOperationException("could not run nats-server --signal"))
        {
            var error = await signal.StandardError.ReadToEndAsync();
            await signal.WaitForExitAsync();
            if (signal.ExitCode != 0)
            {
                throw new InvalidOperationException($"nats-server --signal reload failed ({signal.ExitCode}): {error}");
            }
        }

        await Eventually.TrueAsync(() =>
        {
            if (Output.Contains("Failed to reload", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException("nats-server refused the new configuration:\n" + Output);
            }

            return Task.FromResult(Count(Output, "Reloaded server configuration") > reloaded);
        }, TimeSpan.FromSeconds(20), "nats-server to reload its configuration");
    }

    private Task WriteConfigAsync(string config) =>
        File.WriteAllTextAsync(_configFile!, $"jetstream {{ store_dir: \"{_store}\" }}\n{config}\n");

    private static int Count(string text, string what)
    {
        var count = 0;
        for (var at = text.IndexOf(what, StringComparison.Ordinal); at >= 0; at = text.IndexOf(what, at + what.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    /// <summary>Kills the server at once (SIGKILL): clients see the connection drop.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }

        _process?.Dispose();
        _process = null;
    }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        try
        {
            Directory.Delete(_store, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder; best effort.
        }

        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }

    private static string? Find() =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/sbin")
            .Select(folder => Path.Combine(folder, "nats-server"))
            .FirstOrDefault(File.Exists);
}
