using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore.Messaging;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Connectors.Channels;

public static class ChatChannelsSetup
{
    /// <summary>
    /// An <see cref="IChatChannel"/> for each platform whose app is configured: WeCom with
    /// WeCom:CorpId, WeCom:AgentId and WeCom:Secret; DingTalk with DingTalk:AppKey and
    /// DingTalk:AppSecret. The outbox keeps messages for a platform without a channel pending.
    /// Call after the platform clients and card renderers are added.
    /// </summary>
    public static IHostApplicationBuilder AddChatChannels(this IHostApplicationBuilder builder)
    {
        var weCom = builder.Configuration.GetSection(WeComOptions.Section).Get<WeComOptions>() ?? new WeComOptions();
        if (weCom.CorpId.Length > 0 && weCom.AgentId > 0 && weCom.Secret.Length > 0)
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IChatChannel, WeComChatChannel>());
        }
        var dingTalk = builder.Configuration.GetSection(DingTalkOptions.Section).Get<DingTalkOptions>() ?? new DingTalkOptions();
        if (dingTalk.AppKey.Length > 0 && dingTalk.AppSecret.Length > 0)
        {
            builder.Services.TryAddEnumerable(ServiceDescriptor.Transient<IChatChannel, DingTalkChatChannel>());
        }
        return builder;
    }
}
