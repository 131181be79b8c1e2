using Lakekeeper.Authz;
using Lakekeeper.Catalog;
using Lakekeeper.Events;
using Lakekeeper.Management;
using Lakekeeper.Security;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;
using Lakekeeper.Signer;

// Every module in one process: the quickstart, most tests and small installs.
var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("standalone");
builder.AddAuthzEngine();
builder.AddCatalog();
builder.AddManagement();
builder.AddSigner();
builder.AddEvents();

var app = builder.Build();
app.UseServiceDefaults();
app.UseLakekeeperAuthentication();
app.MapServiceDefaults();
app.MapCatalogApi();
app.MapManagementApi();
app.MapSignerApi();
app.MapOpenFgaApi();
return await app.RunCommandAsync(args);
