using Lakekeeper.Events;
using Lakekeeper.ServiceDefaults;
using Lakekeeper.ServiceDefaults.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults("events");
builder.AddEvents();

var app = builder.Build();
app.UseServiceDefaults();
app.MapServiceDefaults();
return await app.RunCommandAsync(args);
