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
        builder.Services.TryAddSingleton<InboxWriter>();
        // One receiver for the process: the key is decoded once, not on every callback.
        builder.Services.TryAddSingleton(sp => new WeComReceiverHolder(sp.GetRequiredService<IOptions<WeComOptions>>().Value));
        return builder;
    }
}

/// <summary>The configured receiver, built on first use (the options may leave callbacks unconfigured).</summary>
internal sealed class WeComReceiverHolder(WeComOptions options)
{
    private readonly Lazy<WeComCallbackReceiver> _receiver = new(() => new WeComCallbackReceiver(options));

    public WeComCallbackReceiver Receiver => _receiver.Value;
}
