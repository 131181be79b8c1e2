using Lakekeeper.Gateway;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("gateway");
builder.AddGateway();

var app = builder.Build();
app.UseServiceDefaults();
app.MapServiceDefaults();
app.MapGateway();
return await app.RunCommandAsync(args);
