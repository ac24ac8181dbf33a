using CrmChat.Connectors.Cards;
using CrmChat.Connectors.Channels;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors;

public static class ConnectorsSetup
{
    /// <summary>
    /// The platforms: WeCom's API client, its tag writer and its full sync; DingTalk's API client
    /// and receivers; the card renderers and their link signer (Cards:LinkSecret, Cards:PublicBaseUrl);
    /// the chat channels the outbox sends through, for the platforms that are configured;
    /// both platforms' approval apps for native approvals (Approvals:WeCom, Approvals:DingTalk);
    /// a line at start saying whether callback crypto runs on the native kernel.
    /// </summary>
    public static IHostApplicationBuilder AddConnectors(this IHostApplicationBuilder builder)
    {
        builder.AddWeComClient();
        builder.AddDingTalkClient();
        builder.AddCardRendering();
        builder.AddChatChannels();
        builder.Services.AddScoped<IPlatformTagWriter, WeComTagWriter>();
        builder.Services.AddScoped<WeComFullSync>();
        builder.AddNativeApprovals();
        builder.Services.AddHostedService<Crypto.CryptoKernelReport>();
        return builder;
    }

    /// <summary>
    /// <see cref="INativeApprovals"/> for WeCom and DingTalk, with their settings checked at start
    /// (only when a platform's mode is Native do they need anything).
    /// </summary>
    public static IHostApplicationBuilder AddNativeApprovals(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WeComOaOptions>().BindConfiguration(WeComOaOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeComOaOptions>, WeComOaOptionsValidator>());
        services.AddOptions<DingTalkWorkflowOptions>().BindConfiguration(DingTalkWorkflowOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DingTalkWorkflowOptions>, DingTalkWorkflowOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<INativeApprovals, WeComNativeApprovals>());
        services.TryAddEnumerable(ServiceDescriptor.Transient<INativeApprovals, DingTalkNativeApprovals>());
        return builder;
    }
}
