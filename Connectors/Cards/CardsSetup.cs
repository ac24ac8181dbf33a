using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Cards;

public static class CardsSetup
{
    /// <summary>
    /// The card renderers and the link signer, from the <c>Cards</c> section. Fails at start
    /// when Cards:LinkSecret or Cards:PublicBaseUrl is missing: links sent to chats must verify
    /// after a restart, so there is no generated key.
    /// </summary>
    public static IHostApplicationBuilder AddCardRendering(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CardOptions>().BindConfiguration(CardOptions.Section).ValidateOnStart();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<CardOptions>, CardOptionsValidator>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<CardLinkSigner>();
        builder.Services.TryAddSingleton<WeComCardRenderer>();
        builder.Services.TryAddSingleton<DingTalkCardRenderer>();
        return builder;
    }
}
