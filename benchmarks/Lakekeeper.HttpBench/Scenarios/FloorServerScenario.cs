using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Lakekeeper.HttpBench.Scenarios;

/// <summary>
/// The floor of loadTable: a bare ASP.NET endpoint that reads a table's stored metadata document with
/// one Npgsql query (by primary key, same pool settings as the catalog) and writes the bytes — no
/// routing of names, no authorization, no framing. Run by the <c>catalog</c> scenario as its own
/// process, like the catalog: <c>floor-server --port N --connection "Host=…"</c>.
/// </summary>
internal sealed class FloorServerScenario : IScenario
{
    public string Name => "floor-server";

    public string Description => "(used by 'catalog') serve GET /floor/{tabular-id} from Postgres as the loadTable floor";

    public async Task<int> RunAsync(BenchOptions options, CancellationToken cancellationToken)
    {
        var port = (int)options.Number("port", 0);
        var connection = options.Text("connection") ?? throw new ArgumentException("--connection is required.");
        var settings = new NpgsqlConnectionStringBuilder(connection)
        {
            MaxPoolSize = 50,
            MaxAutoPrepare = 64,
            AutoPrepareMinUsages = 2,
            NoResetOnClose = true,
        };
        await using var dataSource = NpgsqlDataSource.Create(settings.ConnectionString);

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Listen(IPAddress.Loopback, port, l => l.Protocols = HttpProtocols.Http1);
        });
        await using var app = builder.Build();
        app.MapGet("/floor/{id:guid}", async (HttpContext context, Guid id) =>
        {
            await using var command = dataSource.CreateCommand("SELECT metadata FROM tabular WHERE tabular_id = $1");
            command.Parameters.Add(new NpgsqlParameter { Value = id });
            var document = await command.ExecuteScalarAsync(context.RequestAborted) as byte[];
            if (document is null)
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
                return;
            }

            context.Response.ContentType = "application/json";
            context.Response.ContentLength = document.Length;
            await context.Response.Body.WriteAsync(document, context.RequestAborted);
        });
        await app.StartAsync(cancellationToken);
        Console.WriteLine("floor listening on " + port.ToString(CultureInfo.InvariantCulture));
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
    }
}
