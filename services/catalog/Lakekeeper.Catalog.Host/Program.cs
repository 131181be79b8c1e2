using Lakekeeper.Catalog;
using Lakekeeper.Security;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("catalog");
builder.AddCatalog();

var app = builder.Build();
app.UseServiceDefaults();
app.UseLakekeeperAuthentication();
app.MapServiceDefaults();
app.MapCatalogApi();
return await app.RunCommandAsync(args);
