using Lakekeeper.Catalog.Tests.Support;
using Npgsql;

namespace Lakekeeper.Catalog.Tests;

/// <summary>An app that re-reads warehouse settings on every request (no warehouse cache).</summary>
public sealed class UncachedWarehouseAppFixture : CatalogAppFixture
{
    protected override IReadOnlyDictionary<string, string?> Overrides() =>
        new Dictionary<string, string?> { ["Catalog:WarehouseCacheDuration"] = "00:00:00" };
}

/// <summary>
/// Issue 14, defect 4: a stored credential that cannot be decrypted (an altered row, a key removed
/// from the ring too early) made every call on the warehouse a 500. Now only calls that need storage
/// fail, with 503 and a stable type naming the warehouse and the key id; the rest keeps working.
/// </summary>
public sealed class UnreadableCredentialTests(UncachedWarehouseAppFixture fixture) : IClassFixture<UncachedWarehouseAppFixture>
{
    private readonly CatalogHttp _http = fixture.Http;

    [Fact]
    public async Task Only_calls_that_need_storage_fail_and_they_say_which_key_to_restore()
    {
        string[] ns = ["cred"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");

        // An envelope of key 0badc0de that no configured key can open.
        byte[] envelope = [0x01, 0x0b, 0xad, 0xc0, 0xde, .. new byte[12], .. new byte[32], .. new byte[16]];
        await SetSecretAsync(envelope);
        try
        {
            Assert.Equal(200, (await _http.GetAsync(_http.TableUrl(ns, "t"))).Status);
            Assert.Equal(200, (await _http.GetAsync(_http.Url("namespaces"))).Status);
            Assert.Equal(200, (await _http.GetAsync(_http.Url("namespaces/cred/tables"))).Status);
            Assert.Equal(200, (await _http.PostAsync(_http.NamespaceUrl(ns) + "/properties", """{"updates":{"a":"b"}}""")).Status);

            var create = await _http.TryCreateTableAsync(ns, "u");
            var message = ErrorAssert.Is(create, 503, "StorageCredentialUnavailableException");
            Assert.Contains(fixture.Prefix, message, StringComparison.Ordinal);
            Assert.Contains("0badc0de", message, StringComparison.Ordinal);
            Assert.Contains("LAKEKEEPER__SECRETS__PREVIOUSKEYS", message, StringComparison.Ordinal);

            var commit = await _http.CommitTableAsync(ns, "t", "[]", """[{"action":"set-properties","updates":{"k":"v"}}]""");
            ErrorAssert.Is(commit, 503, "StorageCredentialUnavailableException");
            Assert.DoesNotContain("u", await _http.ListTablesAsync(ns));
        }
        finally
        {
            await SetSecretAsync(null);
        }

        Assert.Equal(200, (await _http.TryCreateTableAsync(ns, "u")).Status);
    }

    [Fact]
    public async Task The_warehouse_keeps_its_delete_profile_while_its_credential_cannot_be_read()
    {
        string[] ns = ["cred_soft"];
        await _http.CreateNamespaceAsync(ns);
        await _http.CreateTableAsync(ns, "t");
        await SqlAsync("UPDATE warehouse SET delete_profile = '{\"type\":\"soft\",\"expiration-seconds\":3600}'::jsonb WHERE warehouse_id = $1");
        await SetSecretAsync([0x01, 0x0b, 0xad, 0xc0, 0xde, .. new byte[12], .. new byte[32], .. new byte[16]]);
        try
        {
            Assert.Equal(204, (await _http.DeleteAsync(_http.TableUrl(ns, "t"))).Status);

            // Dropped softly, as the warehouse says: the row stays, marked deleted, and can be undropped.
            await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
            await connection.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = new NpgsqlCommand(
                "SELECT count(*) FROM tabular t JOIN namespace n ON n.namespace_id = t.namespace_id WHERE t.warehouse_id = $1 AND n.name = $2 AND t.name = 't' AND t.deleted_at IS NOT NULL",
                connection);
            command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(fixture.Prefix) });
            command.Parameters.Add(new NpgsqlParameter { Value = ns });
            Assert.Equal(1L, await command.ExecuteScalarAsync(TestContext.Current.CancellationToken));
        }
        finally
        {
            await SetSecretAsync(null);
            await SqlAsync("UPDATE warehouse SET delete_profile = '{\"type\":\"hard\"}'::jsonb WHERE warehouse_id = $1");
        }
    }

    private async Task SqlAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(fixture.Prefix) });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }

    private async Task SetSecretAsync(byte[]? secret)
    {
        await using var connection = new NpgsqlConnection(fixture.App.ConnectionString);
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand("UPDATE warehouse SET storage_secret = $1 WHERE warehouse_id = $2", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = (object?)secret ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bytea });
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse(fixture.Prefix) });
        Assert.Equal(1, await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken));
    }
}
