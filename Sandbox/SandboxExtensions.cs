using CrmChat.Sandbox.WeCom;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Sandbox;

public static class SandboxExtensions
{
    /// <summary>Registers the WeCom Sandbox, configured from <c>Sandbox:WeCom</c> (defaults: <see cref="SandboxDefaults"/>).</summary>
    public static IHostApplicationBuilder AddSandbox(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeComSandboxOptions>()
            .BindConfiguration(WeComSandboxOptions.Section)
            .Validate(o => o.EncodingAESKey.Length == 43, $"{WeComSandboxOptions.Section}:EncodingAESKey must be 43 characters.")
            .Validate(o => o.CorpId.Length > 0, $"{WeComSandboxOptions.Section}:CorpId must not be empty.")
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<WeComSandbox>();
        builder.Services.AddSingleton<CallbackDispatcher>();
        return builder;
    }

    /// <summary>Maps the emulated API under /sandbox/wecom/cgi-bin/ and the driver under /sandbox/wecom/driver/.</summary>
    public static IEndpointRouteBuilder MapSandbox(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapWeComApi();
        endpoints.MapWeComDriver();
        return endpoints;
    }
}
