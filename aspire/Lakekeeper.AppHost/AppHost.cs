using Lakekeeper.AppHost;

// The microservices topology for local development, wired as `./lakekeeper up --topology microservices`
// wires it: Postgres and nats-server from the machine's packages, the schema migration, then authz,
// catalog, signer, management, events and the gateway, each waiting for what it needs; telemetry goes to
// the Aspire dashboard. Start: ./lakekeeper up --aspire, or dotnet run --project aspire/Lakekeeper.AppHost.
var builder = DistributedApplication.CreateBuilder(args);
var settings = AppHostSettings.From(builder.Configuration, builder.AppHostDirectory);
Directory.CreateDirectory(settings.WarehousesDirectory);

var postgres = builder.AddLocalPostgres("postgres", settings);
var nats = builder.AddLocalNats("nats", settings);

var migrate = builder.AddProject<Projects.Lakekeeper_Standalone>("migrate", Services.ProjectOptions)
    .WithEndpointsInEnvironment(static _ => false)
    .WithArgs("migrate")
    .WithCommonSettings(settings, postgres)
    .WithEnvironment("LAKEKEEPER__METRICS_PORT", "0")
    .WaitFor(postgres)
    .WithIconName("DatabaseArrowUp");

// The authz service answers gRPC (cleartext HTTP/2) on its internal port only.
var authz = builder.AddService<Projects.Lakekeeper_Authz_Host>("authz", settings, postgres, migrate)
    .WithEndpoint(name: Services.GrpcEndpoint, scheme: "http", isProxied: false);
authz.WithEnvironment("LAKEKEEPER__SERVER__INTERNALPORT", Services.TargetPort(authz.GetEndpoint(Services.GrpcEndpoint)));
var authzEndpoint = Services.LoopbackUrl(authz.GetEndpoint(Services.GrpcEndpoint));

var catalog = builder.AddService<Projects.Lakekeeper_Catalog_Host>("catalog", settings, postgres, migrate)
    .WithEnvironment("LAKEKEEPER__AUTHZ__ENDPOINT", authzEndpoint)
    .WaitFor(authz);
var signer = builder.AddService<Projects.Lakekeeper_Signer_Host>("signer", settings, postgres, migrate)
    .WithEnvironment("LAKEKEEPER__AUTHZ__ENDPOINT", authzEndpoint)
    .WaitFor(authz);
var management = builder.AddService<Projects.Lakekeeper_Management_Host>("management", settings, postgres, migrate)
    .WithEnvironment("LAKEKEEPER__AUTHZ__ENDPOINT", authzEndpoint)
    .WaitFor(authz);
var events = builder.AddService<Projects.Lakekeeper_Events_Host>("events", settings, postgres, migrate)
    // Change events go to the local NATS, into the JetStream stream the relay creates on first use.
    .WithEnvironment("LAKEKEEPER__NATS_ADDRESS", LocalNats.Address(nats))
    .WithEnvironment("LAKEKEEPER__NATS_TOPIC", "lakekeeper.events")
    .WithEnvironment("LAKEKEEPER__EVENTS__NATSSTREAM", "lakekeeper_events")
    .WaitFor(nats);

var gateway = builder.AddService<Projects.Lakekeeper_Gateway_Host>("gateway", settings, postgres, migrate, settings.GatewayPort)
    .WithEnvironment("LAKEKEEPER__GATEWAY__CLUSTERS__CATALOG__DESTINATIONS__D1__ADDRESS", Services.LoopbackUrl(catalog.GetEndpoint("http")))
    .WithEnvironment("LAKEKEEPER__GATEWAY__CLUSTERS__SIGNER__DESTINATIONS__D1__ADDRESS", Services.LoopbackUrl(signer.GetEndpoint("http")))
    .WithEnvironment("LAKEKEEPER__GATEWAY__CLUSTERS__MANAGEMENT__DESTINATIONS__D1__ADDRESS", Services.LoopbackUrl(management.GetEndpoint("http")))
    .WaitFor(catalog)
    .WaitFor(signer)
    .WaitFor(management)
    .WithUrlForEndpoint("http", url => url.DisplayText = "Iceberg REST catalog: " + url.Url + "/catalog");

// Where clients reach the system, as `./lakekeeper up` sets it for every service: the gateway.
var publicBaseUri = ReferenceExpression.Create($"http://localhost:{gateway.GetEndpoint("http").Property(EndpointProperty.Port)}");
foreach (var service in new[] { authz, catalog, signer, management, events, gateway })
{
    service.WithEnvironment("LAKEKEEPER__SERVER__PUBLICBASEURI", publicBaseUri);
}

builder.AddBootstrap("bootstrap", gateway, settings.WarehousesDirectory);

builder.Build().Run();
