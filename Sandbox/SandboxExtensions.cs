using CrmChat.Sandbox.DingTalk;
using CrmChat.Sandbox.WeCom;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Sandbox;

public static class SandboxExtensions
{
    /// <summary>
    /// Registers the WeCom and DingTalk Sandboxes, configured from <c>Sandbox:WeCom</c> and
    /// <c>Sandbox:DingTalk</c> (defaults: <see cref="SandboxDefaults"/>, <see cref="DingTalkSandboxDefaults"/>).
    /// </summary>
    public static IHostApplicationBuilder AddSandbox(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeComSandboxOptions>()
            .BindConfiguration(WeComSandboxOptions.Section)
            .Validate(o => o.EncodingAESKey.Length == 43, $"{WeComSandboxOptions.Section}:EncodingAESKey must be 43 characters.")
            .Validate(o => o.CorpId.Length > 0, $"{WeComSandboxOptions.Section}:CorpId must not be empty.")
            .ValidateOnStart();
        builder.Services.AddOptions<DingTalkSandboxOptions>()
            .BindConfiguration(DingTalkSandboxOptions.Section)
            .Validate(o => o.AesKey.Length == 43, $"{DingTalkSandboxOptions.Section}:AesKey must be 43 characters.")
            .Validate(o => o.AppKey.Length > 0 && o.AppSecret.Length > 0, $"{DingTalkSandboxOptions.Section}:AppKey and AppSecret must not be empty.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WeComSandbox>();
        builder.Services.AddSingleton<CallbackDispatcher>();
        builder.Services.AddSingleton<DingTalkSandbox>();
        builder.Services.AddSingleton<DingTalkDispatcher>();
        return builder;
    }

    /// <summary>
    /// Maps WeCom under /sandbox/wecom/ (cgi-bin, driver) and DingTalk under /sandbox/dingtalk/
    /// (api = api.dingtalk.com, oapi = oapi.dingtalk.com, driver).
    /// </summary>
    public static IEndpointRouteBuilder MapSandbox(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapWeComApi();
        endpoints.MapWeComDriver();
        endpoints.MapDingTalkApi();
        endpoints.MapDingTalkDriver();
        return endpoints;
    }
}
