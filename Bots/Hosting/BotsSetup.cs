using CrmChat.Bots.Api;
using CrmChat.Bots.Conversations;
using CrmChat.Bots.Health;
using CrmChat.Bots.Inbox;
using CrmChat.Bots.Reconciliation;
using CrmChat.Bots.Webhooks;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;

namespace CrmChat.Bots.Hosting;

internal static class BotsSetup
{
    /// <summary>The host itself: structured, redacted logs; API tokens; health.</summary>
    public static IHostApplicationBuilder AddBots(this IHostApplicationBuilder builder)
    {
        builder.AddRedactedLogging();
        builder.AddApiTokens();
        builder.AddInboxProcessing();
        builder.AddWeComWebhooks();
        builder.Services.AddScoped<IInboxHandler, WeComContactHandler>();
        builder.Services.AddScoped<IInboxHandler, DingTalkEmployeeHandler>();
        builder.Services.AddScoped<IInboxHandler, ConversationHandler>();
        builder.Services.AddScoped<IInboxHandler, NativeApprovalHandler>();
        builder.Services.AddScoped<Conversation>();
        builder.Services.AddScoped<CustomerFinder>();
        builder.Services.AddSingleton<WeComSyncRunner>();
        // Run nightly by the Scheduler's reconciliation job, each skipping a platform that is not configured.
        builder.Services.AddScoped<IReconciliation, WeComContactReconciliation>();
        builder.Services.AddScoped<IReconciliation, WeComEmployeeReconciliation>();
        builder.Services.AddScoped<IReconciliation, DingTalkEmployeeReconciliation>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
        builder.Services.AddProblemDetails();
        if (builder.Configuration.GetValue("Host:ReturnMemoryWhenIdle", true))
        {
            builder.Services.AddHostedService<IdleMemoryService>();
        }
        return builder;
    }

    /// <summary>Migrates where configured, before the first request is served.</summary>
    public static async Task PrepareDatabaseAsync(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<DatabaseOptions>();
        await using var scope = app.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CrmDbContext>();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("CrmChat.Database");
        await DatabaseSetup.MigrateIfConfiguredAsync(db, options, logger, app.Lifetime.ApplicationStopping);
    }
}
