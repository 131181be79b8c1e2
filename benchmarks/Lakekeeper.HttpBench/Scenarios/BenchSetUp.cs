using System.Security.Cryptography;
using Lakekeeper.Testing;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>What every deployment of a scenario shares: a durable Postgres database, a file warehouse root and the settings that name them.</summary>
internal static class BenchSetUp
{
    public static async Task<(string Database, string WarehouseRoot, Dictionary<string, string> Settings)> StartAsync()
    {
        var postgres = await PostgresServer.StartDedicatedAsync(durable: true);
        var database = await postgres.CreateDatabaseAsync();
        var warehouseRoot = Directory.CreateTempSubdirectory("lakekeeper-bench-").FullName;
        var settings = new Dictionary<string, string>
        {
            ["LAKEKEEPER__DATABASE__CONNECTIONSTRING"] = database,
            ["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["LAKEKEEPER__STORAGE__ALLOWEDFILEROOTS__0"] = warehouseRoot,
            ["LAKEKEEPER__LOG__LEVEL"] = "Warning",
            ["LAKEKEEPER__STORAGE__ALLOWED_S3_ENDPOINTS"] = "127.0.0.1:*",
        };
        return (database, warehouseRoot, settings);
    }
}
