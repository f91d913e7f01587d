using GcmActors.Host.Api;
using GcmActors.Host.Web;
using GcmActors.Host.Hosting;
using GcmActors.Host.Operations;
using GcmActors.Host.Security;
using GcmActors.Host.Webhooks;

var builder = WebApplication.CreateBuilder(new WebApplicationOptions
{
    Args = args.SkipWhile(a => a == "token").ToArray(),
    // appsettings.json and the seed travel with the binaries, wherever the command is run from.
    ContentRootPath = AppContext.BaseDirectory,
});

if (args.FirstOrDefault() == "token")
{
    return TokenCommand.Run(args[1..], builder.Configuration, Console.Out, Console.Error);
}

var options = GcmOptions.From(builder.Configuration);
builder.Services.AddSingleton(options);
builder.AddGcmOrleans(options);
builder.AddGcmWebhooks(options);
builder.AddGcmApi(options);
builder.AddGcmSecurity(options);
builder.AddGcmOperations(options);

var app = builder.Build();
app.UseGcmApi();
app.MapGcmOperations();
app.MapGcmRoutes();
app.MapWebPages();
app.Run();
return 0;
