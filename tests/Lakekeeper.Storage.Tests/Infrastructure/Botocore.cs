using System.Text.Json;
using Lakekeeper.Testing;

namespace Lakekeeper.Storage.Tests.Infrastructure;

/// <summary>
/// Runs a Python script of this project with Debian's interpreter, whose dist-packages hold
/// python3-botocore (the reference SigV4 implementation). A pyenv <c>python3</c> on PATH may lack it.
/// </summary>
internal static class Botocore
{
    private const string Interpreter = "/usr/bin/python3";

    public static string Script(string name) => Path.Combine(AppContext.BaseDirectory, "Python", name);

    /// <summary>Runs <paramref name="script"/> with <paramref name="input"/> as a JSON file and parses its JSON output.</summary>
    public static async Task<JsonElement> RunAsync(string script, object input)
    {
        EnsureInstalled();
        var file = Path.Combine(Path.GetTempPath(), $"lakekeeper-botocore-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, JsonSerializer.Serialize(input));
        try
        {
            var result = await ExternalProcess.RunAsync(Interpreter, [Script(script), file], TimeSpan.FromMinutes(1));
            Assert.True(result.ExitCode == 0, $"{script} failed:\n{result.Output}");
            return JsonDocument.Parse(result.Output).RootElement.Clone();
        }
        finally
        {
            File.Delete(file);
        }
    }

    public static void EnsureInstalled()
    {
        if (!File.Exists(Interpreter) || !Directory.Exists("/usr/lib/python3/dist-packages/botocore"))
        {
            Assert.Fail("Debian's python3-botocore is required (the reference SigV4 signer): apt-get install -y python3-boto3 (./lakekeeper test installs it).");
        }
    }
}
