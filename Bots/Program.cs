using CrmChat.Bots.Api;
using CrmChat.Bots.Hosting;
using CrmChat.Connectors;
using CrmChat.CrmCore;
using CrmChat.Scheduler;

var builder = WebApplication.CreateBuilder(args);
builder.AddCrmChatConfiguration();
builder.AddCrmCore();
builder.AddConnectors();
builder.AddScheduler();
builder.AddSandboxWhenEnabled();
builder.AddBots();

var app = builder.Build();
await app.PrepareDatabaseAsync();
app.UseAuthentication();
app.UseAuthorization();
app.MapWebhooks();
app.MapApi();
app.MapSandboxWhenEnabled();
app.MapBenchEndpointsWhenEnabled();
app.PrintDevelopmentToken();
await app.RunAsync();

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
