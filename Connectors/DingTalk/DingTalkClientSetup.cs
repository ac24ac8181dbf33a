using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk;

public static class DingTalkClientSetup
{
    /// <summary>
    /// DingTalk: the API clients (<see cref="IDingTalkCustomRobotClient"/>, <see cref="IDingTalkRobotClient"/>,
    /// <see cref="IDingTalkWorkNotificationClient"/>, <see cref="IDingTalkUserClient"/>,
    /// <see cref="IDingTalkApprovalClient"/>) and the inbound side (<see cref="DingTalkRobotReceiver"/>,
    /// and <see cref="DingTalkEventReceiver"/> when the event subscription is configured), bound to
    /// the <c>DingTalk</c> and <c>DingTalk:Client</c> sections, with tokens and robot limits in
    /// Redis when <c>Redis:Configuration</c> is set.
    /// </summary>
    public static IHostApplicationBuilder AddDingTalkClient(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<DingTalkOptions>().BindConfiguration(DingTalkOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DingTalkOptions>, DingTalkOptionsValidator>());
        services.AddOptions<DingTalkClientOptions>()
            .BindConfiguration(DingTalkClientOptions.Section)
            .Validate(o => o.MaxAttempts >= 1 && o.RobotThrottleAttempts >= 1, "DingTalk:Client:MaxAttempts and DingTalk:Client:RobotThrottleAttempts must be at least 1.")
            .Validate(o => o.RobotMessagesPerWindow >= 1 && o.RateWindow > TimeSpan.Zero,
                "DingTalk:Client rate limits need at least 1 message per a positive RateWindow.")
            .ValidateOnStart();
        builder.AddConnectorInfrastructure();

        // Absolute URLs per call: v1.0 and oapi live on two hosts, session webhooks on a third path.
        services.AddHttpClient<DingTalkApiTransport>((sp, http) =>
            http.Timeout = sp.GetRequiredService<IOptions<DingTalkClientOptions>>().Value.HttpTimeout);
        services.TryAddTransient<IDingTalkCustomRobotClient, DingTalkCustomRobotClient>();
        services.TryAddTransient<IDingTalkRobotClient, DingTalkRobotClient>();
        services.TryAddTransient<IDingTalkWorkNotificationClient, DingTalkWorkNotificationClient>();
        services.TryAddTransient<IDingTalkUserClient, DingTalkUserClient>();
        services.TryAddTransient<IDingTalkApprovalClient, DingTalkApprovalClient>();

        services.TryAddSingleton(sp => new DingTalkRobotReceiver(
            sp.GetRequiredService<IOptions<DingTalkOptions>>().Value, sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<DingTalkOptions>>().Value;
            return o.EventsConfigured
                ? new DingTalkEventReceiver(o, sp.GetRequiredService<TimeProvider>())
                : throw new InvalidOperationException(
                    "DingTalk events are not configured: set DingTalk:Token, DingTalk:AesKey and DingTalk:AppKey (or DingTalk:KeyId).");
        });
        return builder;
    }
}
