using CrmChat.Connectors.Infrastructure;
using CrmChat.Connectors.WeCom.Api;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom;

public static class WeComClientSetup
{
    /// <summary>
    /// The WeCom API client: <see cref="IWeComExternalContactClient"/>, <see cref="IWeComMessageClient"/>,
    /// <see cref="IWeComGroupRobotClient"/> and <see cref="IWeComApprovalClient"/>, bound to the <c>WeCom</c> and <c>WeCom:Client</c>
    /// sections, with tokens and rate limits in Redis when <c>Redis:Configuration</c> is set.
    /// </summary>
    public static IHostApplicationBuilder AddWeComClient(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<WeComOptions>()
            .BindConfiguration(WeComOptions.Section)
            .Validate(o => IsHttpUrl(o.ApiBaseUrl), "WeCom:ApiBaseUrl must be an absolute http:// or https:// URL, such as https://qyapi.weixin.qq.com/cgi-bin/.")
            .ValidateOnStart();
        services.AddOptions<WeComClientOptions>()
            .BindConfiguration(WeComClientOptions.Section)
            .Validate(o => o.MaxAttempts >= 1, "WeCom:Client:MaxAttempts must be at least 1.")
            .Validate(o => o.RobotMessagesPerWindow >= 1 && o.MemberMessagesPerWindow >= 1 && o.RateWindow > TimeSpan.Zero,
                "WeCom:Client rate limits need at least 1 message per a positive RateWindow.")
            .ValidateOnStart();
        builder.AddConnectorInfrastructure();

        services.AddHttpClient<WeComApiTransport>((sp, http) =>
        {
            var baseUrl = sp.GetRequiredService<IOptions<WeComOptions>>().Value.ApiBaseUrl;
            // Relative API paths resolve under the base only when it ends with a slash.
            http.BaseAddress = new Uri(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/");
            http.Timeout = sp.GetRequiredService<IOptions<WeComClientOptions>>().Value.HttpTimeout;
        });
        services.TryAddTransient<IWeComExternalContactClient, WeComExternalContactClient>();
        services.TryAddTransient<IWeComMessageClient, WeComMessageClient>();
        services.TryAddTransient<IWeComGroupRobotClient, WeComGroupRobotClient>();
        services.TryAddTransient<IWeComApprovalClient, WeComApprovalClient>();
        services.TryAddTransient<IWeComUserClient, WeComUserClient>();
        return builder;
    }

    private static bool IsHttpUrl(string url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
}
