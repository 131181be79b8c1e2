using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.AppHost;

/// <summary>
/// Postgres from the machine's own server binaries (Debian's <c>/usr/lib/postgresql/&lt;n&gt;/bin</c>), run by
/// the orchestrator as an executable resource: no container engine needed. The cluster is created on the
/// first start (<c>initdb</c>, then the database <c>lakekeeper</c> in single-user mode, before the server
/// runs), trusts local connections, listens on 127.0.0.1 only, and keeps its data in the app host's state
/// folder. Postgres refuses to run as root: under root the cluster belongs to the <c>postgres</c> user
/// (as with <c>./lakekeeper up</c>), the server is started through <c>setpriv</c>, which execs it, so the
/// orchestrator's stop signal reaches Postgres itself.
/// </summary>
internal sealed class LocalPostgresResource(string name, string command, string dataDirectory)
    : ExecutableResource(name, command, dataDirectory), IResourceWithConnectionString
{
    public const string EndpointName = "tcp";

    public const string Database = "lakekeeper";

    public string DataDirectory { get; } = dataDirectory;

    public EndpointReference Endpoint => new(this, EndpointName);

    public ReferenceExpression ConnectionStringExpression => ReferenceExpression.Create(
        $"Host=127.0.0.1;Port={Endpoint.Property(EndpointProperty.Port)};Username=postgres;Database={Database}");
}

internal static partial class LocalPostgres
{
    private const string ServiceUser = "postgres";

    public static IResourceBuilder<LocalPostgresResource> AddLocalPostgres(this IDistributedApplicationBuilder builder, string name, AppHostSettings settings)
    {
        var bin = FindServerBinaries();
        var dataDirectory = DataDirectory(settings.StateDirectory);
        var runAsServiceUser = Environment.IsPrivilegedProcess;
        var resource = new LocalPostgresResource(name, runAsServiceUser ? "setpriv" : Path.Combine(bin, "postgres"), dataDirectory);

        var healthCheck = name + "-ready";
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(
            healthCheck, _ => new AcceptsConnections(resource), HealthStatus.Unhealthy, tags: null, timeout: TimeSpan.FromSeconds(5)));

        return builder.AddResource(resource)
            .WithEndpoint(port: settings.PostgresPort, name: LocalPostgresResource.EndpointName, scheme: "tcp", isProxied: false)
            .WithArgs(context =>
            {
                if (runAsServiceUser)
                {
                    context.Args.Add($"--reuid={ServiceUser}");
                    context.Args.Add($"--regid={ServiceUser}");
                    context.Args.Add("--init-groups");
                    context.Args.Add("--");
                    context.Args.Add(Path.Combine(bin, "postgres"));
                }

                context.Args.Add("-D");
                context.Args.Add(dataDirectory);
                context.Args.Add("-p");
                context.Args.Add(resource.Endpoint.Property(EndpointProperty.TargetPort));
                context.Args.Add("-c");
                context.Args.Add("listen_addresses=127.0.0.1");
                context.Args.Add("-c");
                context.Args.Add("unix_socket_directories=" + dataDirectory);
            })
            .WithHealthCheck(healthCheck)
            .WithIconName("Database")
            .OnBeforeResourceStarted(async (postgres, e, cancellationToken) =>
            {
                var logger = e.Services.GetRequiredService<ResourceLoggerService>().GetLogger(postgres);
                await EnsureClusterAsync(bin, postgres.DataDirectory, runAsServiceUser, logger, cancellationToken);
            });
    }

    /// <summary>The newest installed Postgres 15 or later.</summary>
    private static string FindServerBinaries()
    {
        var found = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(dir => (Dir: dir, Version: int.TryParse(Path.GetFileName(dir).Split('.')[0], NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : 0))
                .Where(x => x.Version >= 15 && File.Exists(Path.Combine(x.Dir, "bin", "initdb")))
                .OrderByDescending(x => x.Version)
                .Select(x => Path.Combine(x.Dir, "bin"))
                .FirstOrDefault()
            : null;
        return found ?? throw new InvalidOperationException(
            "PostgreSQL 15+ server binaries were not found under /usr/lib/postgresql: install them (sudo apt-get install -y postgresql; ./lakekeeper up --aspire does).");
    }

    /// <summary>
    /// <c>pg</c> in the state folder, unless the app host runs as root and the <c>postgres</c> user cannot
    /// enter that folder (e.g. a checkout under /root): then a folder of its own under /var/lib/lakekeeper.
    /// </summary>
    private static string DataDirectory(string stateDirectory)
    {
        Directory.CreateDirectory(stateDirectory);
        var inState = Path.Combine(stateDirectory, "pg");
        if (!Environment.IsPrivilegedProcess)
        {
            return inState;
        }

        var reachable = LocalProcess.RunAsync("runuser", ["-u", ServiceUser, "--", "test", "-x", stateDirectory], null, CancellationToken.None)
            .GetAwaiter().GetResult().ExitCode == 0;
        if (reachable)
        {
            return inState;
        }

        var hash = Convert.ToHexStringLower(SHA1.HashData(Encoding.UTF8.GetBytes(stateDirectory)))[..12];
        return Path.Combine("/var/lib/lakekeeper", hash + "-aspire");
    }

    private static async Task EnsureClusterAsync(string bin, string data, bool runAsServiceUser, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(data);
        if (runAsServiceUser)
        {
            await RunAsync("chown", [ServiceUser + ":" + ServiceUser, data], null, cancellationToken);
        }

        if (!OperatingSystem.IsWindows())
        {
            // initdb insists on a folder only its owner may enter.
            File.SetUnixFileMode(data, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        if (File.Exists(Path.Combine(data, "PG_VERSION")))
        {
            return;
        }

        LogCreating(logger, data);
        await RunAsServiceUserAsync(Path.Combine(bin, "initdb"), ["-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale=C"], null, cancellationToken);
        // Single-user mode: the database exists before the server accepts its first connection.
        await RunAsServiceUserAsync(Path.Combine(bin, "postgres"), ["--single", "-D", data, "-j", "postgres"],
            $"CREATE DATABASE {LocalPostgresResource.Database};\n", cancellationToken);
        LogCreated(logger, LocalPostgresResource.Database);

        Task RunAsServiceUserAsync(string file, string[] arguments, string? input, CancellationToken ct) => runAsServiceUser
            ? RunAsync("runuser", ["-u", ServiceUser, "--", file, .. arguments], input, ct)
            : RunAsync(file, arguments, input, ct);
    }

    private static async Task RunAsync(string file, string[] arguments, string? input, CancellationToken cancellationToken)
    {
        var (exitCode, output) = await LocalProcess.RunAsync(file, arguments, input, cancellationToken);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} failed with exit code {exitCode}:\n{output}");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Creating a Postgres cluster in {DataDirectory}")]
    private static partial void LogCreating(ILogger logger, string dataDirectory);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the database {Database}")]
    private static partial void LogCreated(ILogger logger, string database);

    /// <summary>Healthy once the server accepts a connection to the database <c>lakekeeper</c>.</summary>
    private sealed class AcceptsConnections(LocalPostgresResource resource) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var connectionString = await resource.ConnectionStringExpression.GetValueAsync(cancellationToken);
                await using var connection = new NpgsqlConnection(connectionString + ";Timeout=3;Pooling=false");
                await connection.OpenAsync(cancellationToken);
                await using var command = new NpgsqlCommand("SELECT 1", connection);
                await command.ExecuteScalarAsync(cancellationToken);
                return HealthCheckResult.Healthy();
            }
            catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
            {
                return HealthCheckResult.Unhealthy("Postgres does not accept connections yet", ex);
            }
        }
    }
}
