using Lakekeeper.Management;
using Lakekeeper.Security;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("management");
builder.AddManagement();

var app = builder.Build();
app.UseServiceDefaults();
app.UseLakekeeperAuthentication();
app.MapServiceDefaults();
app.MapManagementApi();
return await app.RunCommandAsync(args);
