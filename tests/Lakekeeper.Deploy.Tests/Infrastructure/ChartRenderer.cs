using System.Diagnostics;
using System.Text;

namespace Lakekeeper.Deploy.Tests.Infrastructure;

/// <summary>
/// Renders the chart the way <c>helm template</c> does. A real <c>helm</c> is used when one is on
/// PATH (or named by LAKEKEEPER_HELM); otherwise helm-render, the offline Helm-compatible renderer of
/// ../shared/tools/helm-render, which `./lakekeeper test` builds into .lakekeeper/tools when that
/// folder exists (LAKEKEEPER_HELM_RENDER names another build). With neither, chart tests skip and
/// say how to run them.
/// </summary>
internal sealed class ChartRenderer
{
    /// <summary>Kubernetes version the chart is rendered for (both renderers default to others).</summary>
    public const string KubeVersion = "1.30.0";

    private static readonly Lazy<ChartRenderer?> Instance = new(Find);

    private ChartRenderer(string executable, bool isHelm)
    {
        Executable = executable;
        IsHelm = isHelm;
    }

    public string Executable { get; }

    /// <summary>True for a real Helm binary, false for helm-render.</summary>
    public bool IsHelm { get; }

    public string Description => IsHelm ? $"helm ({Executable})" : $"helm-render ({Executable}; no helm on PATH)";

    public const string SkipReason =
        "Chart tests need a renderer: no `helm` on PATH and no helm-render build found. Install Helm 3 " +
        "(https://helm.sh/docs/intro/install/) or, where ../shared/tools/helm-render exists, run ./lakekeeper test, which builds it.";

    /// <summary>The renderer, or skips the calling test with the reason.</summary>
    public static ChartRenderer Require()
    {
        if (Instance.Value is not { } renderer)
        {
            Assert.Skip(SkipReason);
            throw new InvalidOperationException("unreachable");
        }

        return renderer;
    }

    public static ChartRenderer? Available => Instance.Value;

    /// <summary><c>helm template</c> (schema validation included) with <c>--check --strict</c> under helm-render.</summary>
    public async Task<RenderResult> TemplateAsync(RenderRequest request)
    {
        var arguments = new List<string>();
        if (IsHelm)
        {
            arguments.Add("template");
        }

        arguments.AddRange([request.Release, Repository.Chart, "--namespace", request.Namespace, "--kube-version", KubeVersion]);
        foreach (var file in request.ValuesFiles)
        {
            arguments.AddRange(["-f", file]);
        }

        foreach (var set in request.Sets)
        {
            arguments.AddRange(["--set", set]);
        }

        if (!IsHelm)
        {
            // Kubernetes' rules for names, labels and selectors, and missing values as errors (helm lint --strict).
            arguments.AddRange(["--check", "--strict"]);
        }

        var (exitCode, stdout, stderr) = await RunAsync(arguments);
        return new RenderResult(this, request, exitCode, stdout, stderr);
    }

    /// <summary><c>helm lint --strict</c>; only a real Helm has it.</summary>
    public async Task<(int ExitCode, string Output)> LintAsync(IEnumerable<string> valuesFiles)
    {
        var arguments = new List<string> { "lint", "--strict", Repository.Chart, "--kube-version", KubeVersion };
        foreach (var file in valuesFiles)
        {
            arguments.AddRange(["-f", file]);
        }

        var (exitCode, stdout, stderr) = await RunAsync(arguments);
        return (exitCode, stdout + stderr);
    }

    private async Task<(int, string, string)> RunAsync(IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(Executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repository.Root,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        using var process = Process.Start(info) ?? throw new InvalidOperationException("cannot start " + Executable);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    private static ChartRenderer? Find()
    {
        if (Environment.GetEnvironmentVariable("LAKEKEEPER_HELM") is { Length: > 0 } helm && File.Exists(helm))
        {
            return new ChartRenderer(helm, isHelm: true);
        }

        if (OnPath("helm") is { } onPath)
        {
            return new ChartRenderer(onPath, isHelm: true);
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        string?[] candidates =
        [
            Environment.GetEnvironmentVariable("LAKEKEEPER_HELM_RENDER"),
            Path.Combine(Repository.Root, ".lakekeeper", "tools", "helm-render"),
            Path.Combine(Repository.Root, "..", "shared", "tools", "helm-render", "bin", "helm-render"),
            Path.Combine(home, ".cache", "helm-render", "bin", "helm-render"),
        ];
        return candidates.FirstOrDefault(c => !string.IsNullOrEmpty(c) && File.Exists(c)) is { } render
            ? new ChartRenderer(Path.GetFullPath(render), isHelm: false)
            : null;
    }

    private static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(dir => Path.Combine(dir, name))
            .FirstOrDefault(File.Exists);
}

internal sealed record RenderRequest(IReadOnlyList<string> ValuesFiles, IReadOnlyList<string> Sets, string Release = "lk", string Namespace = "lake")
{
    public static RenderRequest For(params string[] valuesFiles) => new(valuesFiles, []);

    public RenderRequest With(params string[] sets) => this with { Sets = [.. Sets, .. sets] };

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var file in ValuesFiles)
        {
            text.Append(" -f ").Append(Path.GetRelativePath(Repository.Root, file));
        }

        foreach (var set in Sets)
        {
            text.Append(" --set ").Append(set);
        }

        return text.Length == 0 ? "(chart defaults)" : text.ToString().Trim();
    }
}

internal sealed record RenderResult(ChartRenderer Renderer, RenderRequest Request, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    public string Explain() => $"{Renderer.Description} {Request} exited {ExitCode}:\n{Stderr}";

    public Manifests Manifests() =>
        Succeeded ? new Manifests(YamlNodes.LoadAll(Stdout)) : throw new Xunit.Sdk.XunitException("Rendering failed: " + Explain());
}
