using System.Reflection;

namespace Lakekeeper.Rpc.Tests.Infrastructure;

/// <summary>Paths the tests need: the repository, the peer scripts, the protoc of Grpc.Tools.</summary>
internal static class Repository
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    public static string PeersDirectory => Path.Combine(Root, "tests", "Lakekeeper.Rpc.Tests", "Peers");

    public static string EchoProto => Path.Combine(Root, "tests", "Lakekeeper.Rpc.Tests", "Protos", "echo.proto");

    public static string NodeModules => Path.Combine(Root, "tests", "node", "node_modules");

    /// <summary>protoc shipped in the Grpc.Tools NuGet package, for this OS and architecture.</summary>
    public static string Protoc
    {
        get
        {
            var os = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "macosx" : "linux";
            var arch = System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
            {
                System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
                System.Runtime.InteropServices.Architecture.X86 => "x86",
                _ => "x64",
            };
            var exe = OperatingSystem.IsWindows() ? "protoc.exe" : "protoc";
            return Path.Combine(Metadata("GrpcToolsPath"), "tools", $"{os}_{arch}", exe);
        }
    }

    private static string Metadata(string key) =>
        typeof(Repository).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"Assembly metadata {key} is missing.");
}
