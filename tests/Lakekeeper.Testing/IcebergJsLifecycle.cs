using System.Text.Json;

namespace Lakekeeper.Testing;

/// <summary>
/// The iceberg-js end-to-end scenario (<c>tests/node/scenarios/iceberg-js-lifecycle.mjs</c>): a real
/// third-party Iceberg REST client drives a table through its life (namespace, table, schema change,
/// snapshot, conditional load, stale commit, rename, drop) against a running catalog, and reports what it
/// observed. Shared by the end-to-end tests of every way the system is started.
/// </summary>
public static class IcebergJsLifecycle
{
    /// <summary>
    /// Runs the scenario against <paramref name="baseAddress"/> (the server root; <c>/catalog</c> is appended)
    /// and returns what it observed; throws with the scenario's output when it failed.
    /// </summary>
    public static async Task<JsonElement> RunAsync(Uri baseAddress, string warehouse, string suffix, string token = "")
    {
        var result = await RunRawAsync(baseAddress, warehouse, suffix, token);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException("the iceberg-js scenario failed:\n" + result.Output);
        }

        var lastLine = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        return JsonDocument.Parse(lastLine).RootElement.Clone();
    }

    /// <summary>Runs the scenario and returns its exit code and output as they are (for tests that expect it to fail).</summary>
    public static Task<ExternalProcess.Result> RunRawAsync(Uri baseAddress, string warehouse, string suffix, string token = "")
    {
        var root = ServiceProcess.RepositoryRoot;
        var script = Path.Combine(root, "tests", "node", "scenarios", "iceberg-js-lifecycle.mjs");
        if (!Directory.Exists(Path.Combine(root, "tests", "node", "node_modules", "iceberg-js")))
        {
            throw new InvalidOperationException("iceberg-js is not installed: run 'npm ci --prefix tests/node' (./lakekeeper test does it).");
        }

        return ExternalProcess.RunAsync("node", [script, new Uri(baseAddress, "/catalog").ToString(), warehouse, suffix, token], TimeSpan.FromMinutes(2));
    }

    /// <summary>Where what the scenario observed differs from what a correct catalog shows (empty: all as expected).</summary>
    public static IReadOnlyList<string> Mismatches(JsonElement observed)
    {
        var mismatches = new List<string>();
        void Expect<T>(string name, T expected, Func<JsonElement, T> read)
        {
            var actual = read(observed.GetProperty(name));
            if (!EqualityComparer<T>.Default.Equals(actual, expected))
            {
                mismatches.Add($"{name}: expected {expected}, observed {actual}");
            }
        }

        Expect("currentSchemaId", 1, e => e.GetInt32());
        Expect("currentSnapshotId", 4242L, e => e.GetInt64());
        Expect("lastSequenceNumber", 1L, e => e.GetInt64());
        Expect("metadataLog", 2, e => e.GetInt32());
        Expect("notModified", true, e => e.GetBoolean());
        Expect("staleCommit", 409, e => e.GetInt32());
        Expect("tablesAfterRename", "events_renamed", e => string.Join(",", e.EnumerateArray().Select(x => x.GetString())));
        Expect("oldNameAfterRename", 404, e => e.GetInt32());
        Expect("namespacesAtEnd", 0, e => e.GetArrayLength());
        return mismatches;
    }
}
