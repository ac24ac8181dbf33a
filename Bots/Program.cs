using CrmChat.Bots.Api;
using CrmChat.Bots.Health;
using CrmChat.Bots.Hosting;
using CrmChat.Bots.Inbox;
using CrmChat.Bots.Webhooks;
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
app.MapHealth();
app.MapWeComWebhooks();
app.MapCustomersApi();
app.MapInboxApi();
app.MapSyncApi();
app.MapSandboxWhenEnabled();
app.MapBenchEndpointsWhenEnabled();
app.PrintDevelopmentToken();
await app.RunAsync();

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
