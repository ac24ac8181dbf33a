using CrmChat.Bots.Api;
using CrmChat.Bots.Conversations;
using CrmChat.Bots.Health;
using CrmChat.Bots.Inbox;
using CrmChat.Bots.Webhooks;

namespace CrmChat.Bots.Hosting;

internal static class Endpoints
{
    /// <summary>What the chat platforms call: WeCom's callbacks, DingTalk's robot and events.</summary>
    public static IEndpointRouteBuilder MapWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapWeComWebhooks();
        app.MapDingTalkWebhooks();
        app.MapCardLinks();
        return app;
    }

    /// <summary>The REST API (bearer tokens) and the health probe.</summary>
    public static IEndpointRouteBuilder MapApi(this IEndpointRouteBuilder app)
    {
        app.MapHealth();
        app.MapCustomersApi();
        app.MapCustomerChangesApi();
        app.MapEmployeesApi();
        app.MapInboxApi();
        app.MapOutboxApi();
        app.MapSyncApi();
        app.MapContractsApi();
        return app;
    }
}
