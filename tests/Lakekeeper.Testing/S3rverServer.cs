using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Testing;

/// <summary>
/// A real S3-compatible server (npm <c>s3rver</c>) on a free loopback port with its own data folder.
/// s3rver stores objects and knows access key ids, but does not verify SigV4 signatures, so no test
/// using it proves signing.
/// </summary>
public sealed class S3rverServer : IAsyncDisposable
{
    public const string Bucket = "bucket";
    public const string AccessKeyId = "S3RVER";
    public const string SecretAccessKey = "S3RVER";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private readonly StringBuilder _stderr = new();
    private readonly string _data;
    private readonly Process _process;

    private S3rverServer(string data, Process process)
    {
        _data = data;
        _process = process;
    }

    public Uri Endpoint { get; private set; } = null!;

    /// <summary>Starts s3rver with the given buckets (default: <see cref="Bucket"/>).</summary>
    public static async Task<S3rverServer> StartAsync(params string[] buckets)
    {
        var repository = ServiceProcess.RepositoryRoot;
        var module = Path.Combine(repository, "tests", "node", "node_modules", "s3rver");
        if (!File.Exists(Path.Combine(module, "package.json")))
        {
            throw new InvalidOperationException(
                $"The npm package s3rver is not installed (looked in {module}). Install the test peers with: npm ci --prefix tests/node");
        }

        var node = FindOnPath("node") ?? throw new InvalidOperationException(
            "Node.js ('node') is not on PATH; the S3 tests run the s3rver test server with it. " +
            "Install Node.js (Debian: apt-get install nodejs npm), then run: npm ci --prefix tests/node");

        var data = Directory.CreateTempSubdirectory("lakekeeper-s3rver-").FullName;
        var info = new ProcessStartInfo(node)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // s3rver encrypts ListObjectsV2 continuation tokens with DES, which OpenSSL 3 only offers
        // through its legacy provider; without it every truncated listing fails with InternalError.
        info.ArgumentList.Add("--openssl-legacy-provider");
        info.ArgumentList.Add(Path.Combine(repository, "tests", "node", "s3rver-host.js"));
        info.ArgumentList.Add(module);
        info.ArgumentList.Add(data);
        foreach (var bucket in buckets.Length == 0 ? [Bucket] : buckets)
        {
            info.ArgumentList.Add(bucket);
        }

        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        var server = new S3rverServer(data, process);
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

        using var deadline = new CancellationTokenSource(StartTimeout);
        string? line;
        try
        {
            line = await process.StandardOutput.ReadLineAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await server.DisposeAsync();
            throw new TimeoutException($"s3rver did not report its port within {StartTimeout}. {server.Stderr()}");
        }

        if (line is null)
        {
            await server.DisposeAsync();
            throw new InvalidOperationException($"s3rver exited before listening. {server.Stderr()}");
        }

        var port = JsonDocument.Parse(line).RootElement.GetProperty("port").GetInt32();
        server.Endpoint = new Uri($"http://127.0.0.1:{port}");
        await server.WaitUntilServingAsync(buckets.Length == 0 ? Bucket : buckets[0], deadline.Token);
        return server;
    }

    /// <summary>
    /// Freezes the server (SIGSTOP): the kernel still accepts connections, but no request is answered,
    /// as with a hung storage service. <see cref="ResumeAsync"/> lets it go on.
    /// </summary>
    public Task PauseAsync() => SignalAsync("STOP");

    /// <summary>Lets a paused server go on (SIGCONT).</summary>
    public Task ResumeAsync() => SignalAsync("CONT");

    private Task SignalAsync(string signal) => ProcessSignals.SendAsync(_process.Id, signal);

    public async ValueTask DisposeAsync()
    {
        try
        {
            // A paused server cannot read its stdin: let it go on first (harmless when running).
            if (!_process.HasExited)
            {
                try
                {
                    await ResumeAsync();
                }
                catch (InvalidOperationException)
                {
                    // It exited meanwhile.
                }
            }

            // Closing stdin asks the script to stop; kill if it does not within the deadline.
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

        try
        {
            Directory.Delete(_data, recursive: true);
        }
        catch (IOException)
        {
            // A temp folder; best effort.
        }
    }

    private async Task WaitUntilServingAsync(string bucket, CancellationToken deadline)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        while (true)
        {
            try
            {
                using var response = await http.GetAsync(new Uri(Endpoint, "/" + bucket + "?list-type=2"), deadline);
                if ((int)response.StatusCode < 500)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not accepting connections yet.
            }
            catch (TaskCanceledException) when (!deadline.IsCancellationRequested)
            {
                // This probe timed out (a loaded machine starts node slowly); the deadline has not passed.
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                throw new TimeoutException($"s3rver at {Endpoint} did not answer within {StartTimeout}. {Stderr()}");
            }

            await Task.Delay(50, deadline);
        }
    }

    private string Stderr()
    {
        lock (_stderr)
        {
            return _stderr.Length == 0 ? string.Empty : "Its output:\n" + _stderr;
        }
    }

    private static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, program))
            .FirstOrDefault(File.Exists);
}
