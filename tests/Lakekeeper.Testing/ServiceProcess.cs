using System.Diagnostics;
using System.Text;

namespace Lakekeeper.Testing;

/// <summary>
/// A Lakekeeper service host run as its own process (<c>dotnet Lakekeeper.X.dll serve</c>), the way
/// deployments run it: for the microservices topology and for tests that kill a process.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ServiceProcess(string name, Process process, Uri baseAddress)
    {
        Name = name;
        _process = process;
        BaseAddress = baseAddress;
    }

    public string Name { get; }

    public Uri BaseAddress { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once the process has exited.</summary>
    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process printed so far.</summary>
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

    /// <summary>The build output of a host: <c>standalone</c>, <c>catalog</c>, <c>gateway</c>, …</summary>
    public static string HostDll(string service)
    {
        var project = service == "standalone" ? "Lakekeeper.Standalone" : "Lakekeeper." + char.ToUpperInvariant(service[0]) + service[1..] + ".Host";
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var path = Path.Combine(RepositoryRoot, "services", service, project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build the solution first (dotnet build Lakekeeper.sln -c {configuration}).");
    }

    public static string RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Lakekeeper.sln")))
                {
                    return dir.FullName;
                }
            }

            throw new InvalidOperationException("Cannot find Lakekeeper.sln above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>
    /// Starts a host on <paramref name="port"/> with <paramref name="environment"/> (LAKEKEEPER__… settings)
    /// and waits until <c>/health/ready</c> answers 200 (or the process exits).
    /// </summary>
    /// <param name="hostDll">Another build of the host to run (a benchmark's reference); default: this checkout's.</param>
    public static async Task<ServiceProcess> StartAsync(
        string service, int port, IReadOnlyDictionary<string, string> environment, TimeSpan? readyTimeout = null, string? hostDll = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(hostDll ?? HostDll(service));
        info.ArgumentList.Add("serve");
        info.Environment["LAKEKEEPER__SERVER__LISTENPORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        info.Environment["LAKEKEEPER__SERVER__BINDADDRESS"] = "127.0.0.1";
        info.Environment["LAKEKEEPER__LOG__FORMAT"] = "text";
        info.Environment["DOTNET_NOLOGO"] = "1";
        // No Prometheus listener on 9000 unless a test asks for one: hosts run side by side.
        info.Environment["LAKEKEEPER__METRICS_PORT"] = "0";
        foreach (var (key, value) in environment)
        {
            info.Environment[key] = value;
        }

        var process = new Process { StartInfo = info };
        var started = new ServiceProcess(service, process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => started.Append(e.Data);
        process.ErrorDataReceived += (_, e) => started.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + (readyTimeout ?? TimeSpan.FromSeconds(60));
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"{service} exited with code {process.ExitCode} during start-up:\n{started.Output}");
            }

            try
            {
                using var response = await http.GetAsync(new Uri(started.BaseAddress, "/health/ready"));
                if (response.IsSuccessStatusCode)
                {
                    return started;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while starting.
            }

            await Task.Delay(100);
        }

        await started.DisposeAsync();
        throw new TimeoutException($"{service} was not ready within the timeout:\n{started.Output}");
    }

    /// <summary>Kills the process at once (SIGKILL): no shutdown, nothing flushed.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }
    }

    /// <summary>Freezes the process (SIGSTOP): it keeps its connections and state but runs nothing until <see cref="ResumeAsync"/>.</summary>
    public Task PauseAsync() => ProcessSignals.SendAsync(_process.Id, "STOP");

    /// <summary>Lets a paused process go on (SIGCONT).</summary>
    public Task ResumeAsync() => ProcessSignals.SendAsync(_process.Id, "CONT");

    /// <summary>Asks the process to stop (SIGTERM) and waits for it.</summary>
    public async Task StopAsync(TimeSpan timeout)
    {
        if (_process.HasExited)
        {
            return;
        }

        await ProcessSignals.SendAsync(_process.Id, "TERM");

        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
