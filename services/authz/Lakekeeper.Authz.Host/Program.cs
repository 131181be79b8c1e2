using Lakekeeper.Authz;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("authz");
builder.AddAuthzServer();

var app = builder.Build();
app.UseServiceDefaults();
app.MapServiceDefaults();
app.MapAuthzServer();
return await app.RunCommandAsync(args);
