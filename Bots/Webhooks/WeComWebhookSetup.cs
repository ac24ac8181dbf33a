using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore.Messaging;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Webhooks;

internal static class WeComWebhookSetup
{
    /// <summary>WeCom options (validated at start), the inbox writer and the clock the endpoint needs.</summary>
    public static IHostApplicationBuilder AddWeComWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WeComOptions>().BindConfiguration(WeComOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<WeComOptions>, WeComOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddScoped<InboxStore>();
        return builder;
    }
}
