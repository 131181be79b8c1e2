using Lakekeeper.Persistence.Schema;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Lakekeeper.Testing;

/// <summary>
/// One real Postgres cluster per test process (<c>initdb</c> + <c>pg_ctl</c> on a free loopback port
/// in a temp folder), and a fresh database per test class cloned from a migrated template.
/// As root (CI containers), the server runs as the <c>postgres</c> user, because initdb refuses root.
/// </summary>
public sealed class PostgresServer
{
    private const string TemplateName = "lakekeeper_template";
    private static readonly Lazy<Task<PostgresServer>> Instance = new(() => StartAsync(durable: false));
    private static int _databaseCounter;

    private readonly string _binDirectory;
    private readonly string _root;
    private readonly bool _asPostgresUser;

    private PostgresServer(string binDirectory, string root, int port, bool asPostgresUser)
    {
        _binDirectory = binDirectory;
        _root = root;
        Port = port;
        _asPostgresUser = asPostgresUser;
    }

    public int Port { get; }

    public string DataDirectory => Path.Combine(_root, "data");

    /// <summary>The process-wide server; started on first use and stopped when the process exits.</summary>
    public static Task<PostgresServer> SharedAsync() => Instance.Value;

    /// <summary>
    /// A server of its own, stopped when the process exits. <paramref name="durable"/> keeps Postgres'
    /// default durability (fsync, synchronous commit) — what benchmarks must measure; tests trade it
    /// for speed.
    /// </summary>
    public static Task<PostgresServer> StartDedicatedAsync(bool durable) => StartAsync(durable);

    public string ConnectionString(string database) =>
        new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = Port,
            Username = "postgres",
            Database = database,
            Pooling = true,
            Timeout = 15,
        }.ConnectionString;

    /// <summary>A new database with the current schema, cloned from the migrated template.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"test_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}";
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\" TEMPLATE {TemplateName}");
        return ConnectionString(name);
    }

    /// <summary>A new empty database (no schema), e.g. for migration tests.</summary>
    public async Task<string> CreateEmptyDatabaseAsync()
    {
        var name = $"empty_{Environment.ProcessId}_{Interlocked.Increment(ref _databaseCounter)}";
        await ExecuteAsync("postgres", $"CREATE DATABASE \"{name}\"");
        return ConnectionString(name);
    }

    public async Task ExecuteAsync(string database, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString(database)) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<PostgresServer> StartAsync(bool durable)
    {
        var bin = FindBinaries();
        CleanUpOrphans(bin);
        var asPostgresUser = Environment.UserName == "root";
        var root = Directory.CreateTempSubdirectory("lakekeeper-pg-").FullName;
        await File.WriteAllTextAsync(Path.Combine(root, "owner.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (asPostgresUser)
        {
            (await ExternalProcess.RunAsync("chown", ["-R", "postgres:postgres", root], TimeSpan.FromSeconds(30)))
                .EnsureSuccess("chown of the test database folder to the postgres user (is the postgresql package installed?)");
        }

        var port = FreePort.Next();
        var server = new PostgresServer(bin, root, port, asPostgresUser);
        await server.RunToolAsync("initdb", ["-D", server.DataDirectory, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C", "--no-sync"], "initdb");
        var options = string.Join(' ',
            $"-c port={port}", "-c listen_addresses=127.0.0.1", $"-c unix_socket_directories={root}",
            durable ? string.Empty : "-c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "-c max_connections=500", "-c shared_buffers=128MB");
        await server.RunToolAsync("pg_ctl", ["-D", server.DataDirectory, "-l", Path.Combine(root, "server.log"), "-w", "-t", "60", "-o", options, "start"], "pg_ctl start");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.Stop();

        await server.ExecuteAsync("postgres", $"CREATE DATABASE {TemplateName}");
        var templateConnection = new NpgsqlConnectionStringBuilder(server.ConnectionString(TemplateName)) { Pooling = false }.ConnectionString;
        await using (var dataSource = NpgsqlDataSource.Create(templateConnection))
        {
            await new SchemaMigrator(dataSource, NullLogger<SchemaMigrator>.Instance).MigrateAsync(CancellationToken.None);
        }

        return server;
    }

    private void Stop()
    {
        try
        {
            RunToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], "pg_ctl stop").GetAwaiter().GetResult();
            Directory.Delete(_root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
        {
            // Best effort at exit; the next run removes what is left (CleanUpOrphans).
        }
    }

    private Task<ExternalProcess.Result> RunToolAsync(string tool, IReadOnlyList<string> arguments, string what) =>
        RunToolAsync(_binDirectory, _asPostgresUser, tool, arguments, what);

    private static async Task<ExternalProcess.Result> RunToolAsync(string bin, bool asPostgresUser, string tool, IReadOnlyList<string> arguments, string what)
    {
        var path = Path.Combine(bin, tool);
        var result = asPostgresUser
            ? await ExternalProcess.RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments], TimeSpan.FromSeconds(90))
            : await ExternalProcess.RunAsync(path, arguments, TimeSpan.FromSeconds(90));
        return result.EnsureSuccess(what);
    }

    /// <summary>Stops clusters left by test processes that died without cleaning up.</summary>
    private static void CleanUpOrphans(string bin)
    {
        foreach (var folder in Directory.EnumerateDirectories(Path.GetTempPath(), "lakekeeper-pg-*"))
        {
            var ownerFile = Path.Combine(folder, "owner.pid");
            if (!File.Exists(ownerFile) || !int.TryParse(File.ReadAllText(ownerFile), out var owner) || IsAlive(owner))
            {
                continue;
            }

            try
            {
                if (File.Exists(Path.Combine(folder, "data", "postmaster.pid")))
                {
                    RunToolAsync(bin, Environment.UserName == "root", "pg_ctl", ["-D", Path.Combine(folder, "data"), "-m", "immediate", "-w", "stop"], "pg_ctl stop")
                        .GetAwaiter().GetResult();
                }

                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or TimeoutException or UnauthorizedAccessException)
            {
                // Someone else's folder or already gone.
            }
        }
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private static string FindBinaries()
    {
        if (Environment.GetEnvironmentVariable("LAKEKEEPER_PG_BIN") is { Length: > 0 } configured)
        {
            return configured;
        }

        const string debianRoot = "/usr/lib/postgresql";
        if (Directory.Exists(debianRoot))
        {
            var newest = Directory.EnumerateDirectories(debianRoot)
                .Select(d => (Dir: d, Ok: int.TryParse(Path.GetFileName(d), out var v), Version: v))
                .Where(x => x.Ok && x.Version >= 15 && File.Exists(Path.Combine(x.Dir, "bin", "initdb")))
                .OrderByDescending(x => x.Version)
                .FirstOrDefault();
            if (newest.Dir is not null)
            {
                return Path.Combine(newest.Dir, "bin");
            }
        }

        throw new InvalidOperationException(
            "PostgreSQL 15+ server binaries (initdb, pg_ctl) were not found. Install them with " +
            "'sudo apt-get install -y postgresql' (or run './lakekeeper test', which installs them), " +
            "or point LAKEKEEPER_PG_BIN at the folder that holds initdb.");
    }
}
