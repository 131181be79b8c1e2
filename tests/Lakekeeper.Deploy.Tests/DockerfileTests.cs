using System.Text.Json;
using System.Text.RegularExpressions;
using Lakekeeper.Deploy.Tests.Infrastructure;

namespace Lakekeeper.Deploy.Tests;

/// <summary>
/// No Docker engine runs on the project's machines, so the image is not built here: these tests read
/// deploy/docker/Dockerfile and check what a build would depend on (docs/deployment.md says so).
/// </summary>
public sealed partial class DockerfileTests
{
    private static readonly Dockerfile File = Dockerfile.Parse(System.IO.File.ReadAllText(Repository.Docker("Dockerfile")));

    [Fact]
    public void It_builds_with_the_dotnet_sdk_and_runs_on_the_aspnet_runtime_of_the_sdk_version_the_repository_pins()
    {
        var stages = File.Stages();

        // The web console (npm), the .NET build, the runtime.
        Assert.Equal(3, stages.Count);
        var build = BuildStage();
        var runtime = stages[^1];
        Assert.StartsWith("mcr.microsoft.com/dotnet/sdk:", build.Image, StringComparison.Ordinal);
        Assert.StartsWith("mcr.microsoft.com/dotnet/aspnet:", runtime.Image, StringComparison.Ordinal);

        using var globalJson = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Repository.Root, "global.json")));
        var sdk = globalJson.RootElement.GetProperty("sdk").GetProperty("version").GetString()!;
        var channel = string.Join('.', sdk.Split('.').Take(2));
        Assert.StartsWith(channel + "-", build.Image.Split(':')[1], StringComparison.Ordinal);
        Assert.Equal(build.Image.Split(':')[1], runtime.Image.Split(':')[1]);
        Assert.Contains(runtime.Instructions, i => i.Keyword == "COPY" && i.Arguments.StartsWith($"--from={build.Name} ", StringComparison.Ordinal));
    }

    [Fact]
    public void The_console_is_built_with_npm_and_its_files_go_into_the_build_before_restore()
    {
        var console = File.Stages()[0];
        Assert.StartsWith("node:", console.Image, StringComparison.Ordinal);
        Assert.Contains(console.Instructions, i => i.Keyword == "COPY" && i.Arguments == "console/package.json console/package-lock.json ./");
        Assert.Contains(console.Instructions, i => i.Keyword == "RUN" && i.Arguments.StartsWith("npm ci", StringComparison.Ordinal));
        Assert.Contains(console.Instructions, i => i.Keyword == "RUN" && i.Arguments == "npm run build");

        var build = BuildStage().Instructions.ToList();
        var copy = Assert.Single(build, i => i.Keyword == "COPY" && i.Arguments.StartsWith($"--from={console.Name} ", StringComparison.Ordinal));
        Assert.EndsWith(" console/dist/", copy.Arguments, StringComparison.Ordinal);
        Assert.True(build.IndexOf(copy) < build.FindIndex(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal)));
        // The management module ships what the console stage built (console/dist), not a developer's local build.
        Assert.Contains(System.IO.File.ReadAllLines(Repository.Docker("Dockerfile.dockerignore")), l => l.Trim() == "console/dist/");
    }

    private static Dockerfile.Stage BuildStage() => File.Stages().Single(s => s.Image.StartsWith("mcr.microsoft.com/dotnet/sdk:", StringComparison.Ordinal));

    [Fact]
    public void The_runtime_stage_runs_as_the_base_images_unprivileged_user_that_the_chart_also_names()
    {
        var runtime = File.Stages()[^1];

        var user = runtime.Instructions.Last(i => i.Keyword == "USER").Arguments;
        Assert.DoesNotMatch("^(root|0)(:|$)", user);
        // The aspnet images define APP_UID=1654 for their "app" user; the chart must run as the same uid.
        Assert.Equal("$APP_UID", user);
        var chartValues = YamlNodes.LoadFile(Repository.ChartFile("values.yaml"));
        Assert.Equal("1654", chartValues.Str("podSecurityContext", "runAsUser"));
        Assert.Equal("1654", chartValues.Str("containerSecurityContext", "runAsUser"));
        var lastUser = runtime.Instructions.ToList().FindLastIndex(i => i.Keyword == "USER");
        Assert.DoesNotContain(runtime.Instructions.Skip(lastUser), i => i.Keyword is "RUN");
    }

    [Fact]
    public void The_image_checks_its_own_health_through_the_entry_point_and_starts_through_it()
    {
        var runtime = File.Stages()[^1];

        var healthcheck = Assert.Single(runtime.Instructions, i => i.Keyword == "HEALTHCHECK");
        Assert.Matches(@"--interval=\d+s", healthcheck.Arguments);
        Assert.Matches(@"--timeout=\d+s", healthcheck.Arguments);
        Assert.Matches(@"--start-period=\d+s", healthcheck.Arguments);
        var command = ExecForm(healthcheck.Arguments[healthcheck.Arguments.IndexOf("CMD", StringComparison.Ordinal)..][3..]);
        var entrypoint = ExecForm(Assert.Single(runtime.Instructions, i => i.Keyword == "ENTRYPOINT").Arguments);
        Assert.Equal([entrypoint[0], "healthcheck"], command);

        // The script is copied to that path from the repository, executable.
        var copy = Assert.Single(runtime.Instructions, i => i.Keyword == "COPY" && i.Arguments.EndsWith(" " + entrypoint[0], StringComparison.Ordinal));
        Assert.Contains("--chmod=0755", copy.Arguments);
        var source = copy.Arguments.Split(' ').Where(w => !w.StartsWith("--", StringComparison.Ordinal)).First();
        Assert.Equal(Path.GetFullPath(Repository.EntrypointScript), Path.GetFullPath(Path.Combine(Repository.Root, source)));

        var cmd = ExecForm(Assert.Single(runtime.Instructions, i => i.Keyword == "CMD").Arguments);
        Assert.Contains(cmd[0], EntrypointScript.Services());
    }

    [Fact]
    public void It_publishes_exactly_the_service_hosts_and_the_entry_point_starts_each_by_its_assembly()
    {
        var build = BuildStage();

        var publish = Assert.Single(build.Instructions, i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.Contains("-c Release", publish.Arguments);
        var published = CsprojPath().Matches(publish.Arguments).Select(m => m.Value).ToList();
        using var filter = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Repository.Root, "services", "Services.slnf")));
        var hosts = filter.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray().Select(p => p.GetString()!.Replace('\\', '/')).ToList();
        Assert.Equal(hosts.Order(StringComparer.Ordinal), published.Order(StringComparer.Ordinal));

        foreach (var project in published)
        {
            var text = System.IO.File.ReadAllText(Path.Combine(Repository.Root, project));
            Assert.Contains("Sdk=\"Microsoft.NET.Sdk.Web\"", text);
        }

        var assemblies = EntrypointScript.HostAssemblies();
        Assert.Equal(published.Select(p => Path.GetFileNameWithoutExtension(p) + ".dll").Order(StringComparer.Ordinal), assemblies.Values.Order(StringComparer.Ordinal));
        foreach (var (service, dll) in assemblies)
        {
            // The name on the command line is the service's folder under services/.
            Assert.Contains(published, p => p.StartsWith($"services/{service}/", StringComparison.Ordinal) && p.EndsWith("/" + Path.GetFileNameWithoutExtension(dll) + ".csproj", StringComparison.Ordinal));
        }

        var restore = build.Instructions.First(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(build.Instructions.ToList().IndexOf(restore) < build.Instructions.ToList().IndexOf(publish));
        Assert.Contains("--no-restore", publish.Arguments);
    }

    [Fact]
    public void Everything_the_build_stage_copies_exists_and_the_dockerignore_keeps_it_in_the_context()
    {
        var build = BuildStage();
        var ignored = System.IO.File.ReadAllLines(Repository.Docker("Dockerfile.dockerignore"))
            .Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).ToList();

        // From the context, not from another stage.
        var copies = build.Instructions.Where(i => i.Keyword == "COPY" && !i.Arguments.StartsWith("--from=", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(copies);
        foreach (var copy in copies)
        {
            var words = copy.Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries).Where(w => !w.StartsWith("--", StringComparison.Ordinal)).ToList();
            foreach (var source in words[..^1])
            {
                var path = Path.Combine(Repository.Root, source);
                Assert.True(System.IO.File.Exists(path) || Directory.Exists(path), $"COPY {source} (line {copy.Line}): not in the repository");
                Assert.DoesNotContain(ignored, pattern => pattern.TrimEnd('/') == source.TrimEnd('/'));
            }
        }

        // The projects the publish step builds read these; restoring a solution filter reads its solution.
        var copied = copies.SelectMany(c => c.Arguments.Split(' ')).ToHashSet(StringComparer.Ordinal);
        foreach (var needed in new[] { "global.json", "Directory.Build.props", "Directory.Packages.props", "VERSION", ".editorconfig", "libs/", "services/", "protos/" })
        {
            Assert.Contains(needed, copied);
        }

        var restore = build.Instructions.Single(i => i.Keyword == "RUN" && i.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var filter = SolutionFilter().Match(restore.Arguments).Value;
        using var json = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(Repository.Root, filter)));
        var solution = Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Repository.Root, Path.GetDirectoryName(filter)!, json.RootElement.GetProperty("solution").GetProperty("path").GetString()!)));
        Assert.Contains(solution, copied);

        // Every project the hosts reference lives under a copied folder.
        foreach (var project in Directory.GetFiles(Path.Combine(Repository.Root, "services"), "*.csproj", SearchOption.AllDirectories))
        {
            foreach (Match reference in ProjectReference().Matches(System.IO.File.ReadAllText(project)))
            {
                var target = Path.GetRelativePath(Repository.Root, Path.GetFullPath(Path.Combine(Path.GetDirectoryName(project)!, reference.Groups["path"].Value)));
                Assert.True(copied.Any(c => c.EndsWith('/') && target.Replace('\\', '/').StartsWith(c, StringComparison.Ordinal)), $"{project} references {target}, which the image build does not copy");
            }
        }
    }

    [Fact]
    public async Task The_entry_point_script_is_valid_bash()
    {
        var result = await Lakekeeper.Testing.ExternalProcess.RunAsync("bash", ["-n", Repository.EntrypointScript], TimeSpan.FromSeconds(30));

        Assert.True(result.ExitCode == 0, result.Output);
        Assert.StartsWith("#!/usr/bin/env bash\n", System.IO.File.ReadAllText(Repository.EntrypointScript), StringComparison.Ordinal);
    }

    [Fact]
    public void The_parser_refuses_what_docker_would_refuse()
    {
        Assert.Throws<FormatException>(() => Dockerfile.Parse("FROM a\nRUN\n"));
        Assert.Throws<FormatException>(() => Dockerfile.Parse("COPY a b\nFROM x\n").Stages());
        Assert.Throws<FormatException>(() => Dockerfile.Parse("FROM a\nRUN <<EOF\necho\n"));
        var parsed = Dockerfile.Parse("ARG V=1\n# c\nFROM img:${V}-x AS one\nRUN a \\\n  # inner\n\n  b\n");
        Assert.Equal("img:1-x", parsed.Stages()[0].Image);
        Assert.Equal("a    b", parsed.Stages()[0].Instructions[0].Arguments);
    }

    private static string[] ExecForm(string arguments) =>
        JsonSerializer.Deserialize<string[]>(arguments.Trim()) ?? throw new FormatException("not an exec form: " + arguments);

    [GeneratedRegex(@"services/[A-Za-z/.]+\.csproj")]
    private static partial Regex CsprojPath();

    [GeneratedRegex(@"[A-Za-z/.]+\.slnf")]
    private static partial Regex SolutionFilter();

    [GeneratedRegex("<ProjectReference Include=\"(?<path>[^\"]+)\"")]
    private static partial Regex ProjectReference();
}
