using CrmChat.Connectors.Cards;
using CrmChat.Connectors.Channels;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Connectors;

public static class ConnectorsSetup
{
    /// <summary>
    /// The platforms: WeCom's API client, its tag writer and its full sync; DingTalk's API client
    /// and receivers; the card renderers and their link signer (Cards:LinkSecret, Cards:PublicBaseUrl);
    /// the chat channels the outbox sends through, for the platforms that are configured.
    /// </summary>
    public static IHostApplicationBuilder AddConnectors(this IHostApplicationBuilder builder)
    {
        builder.AddWeComClient();
        builder.AddDingTalkClient();
        builder.AddCardRendering();
        builder.AddChatChannels();
        builder.Services.AddScoped<IPlatformTagWriter, WeComTagWriter>();
        builder.Services.AddScoped<WeComFullSync>();
        return builder;
    }
}
