using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore.Contacts;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmChat.Connectors;

public static class ConnectorsSetup
{
    /// <summary>The platforms: WeCom's API client, its tag writer and its full sync.</summary>
    public static IHostApplicationBuilder AddConnectors(this IHostApplicationBuilder builder)
    {
        builder.AddWeComClient();
        builder.Services.AddScoped<IPlatformTagWriter, WeComTagWriter>();
        builder.Services.AddScoped<WeComFullSync>();
        return builder;
    }
}
