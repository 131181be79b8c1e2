using Lakekeeper.Security;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;
using Lakekeeper.Signer;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("signer");
builder.AddSigner();

var app = builder.Build();
app.UseServiceDefaults();
app.UseLakekeeperAuthentication();
app.MapServiceDefaults();
app.MapSignerApi();
return await app.RunCommandAsync(args);
