using CrmChat.Bots.Api;
using CrmChat.Bots.Health;
using CrmChat.Bots.Hosting;
using CrmChat.Bots.Webhooks;
using CrmChat.CrmCore;
using CrmChat.Scheduler;

var builder = WebApplication.CreateBuilder(args);
builder.AddCrmChatConfiguration();
builder.AddCrmCore();
builder.AddScheduler();
builder.AddBots();
builder.AddWeComWebhooks();

var app = builder.Build();
await app.PrepareDatabaseAsync();
app.UseAuthentication();
app.UseAuthorization();
app.MapHealth();
app.MapCustomersApi();
app.MapWeComWebhooks();
app.PrintDevelopmentToken();
await app.RunAsync();

/// <summary>Entry point; public so tests can host it with WebApplicationFactory.</summary>
public partial class Program;
