using CrmChat.CrmCore.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrmChat.CrmCore;

public static class CrmCoreSetup
{
    /// <summary>The CRM room: database on the configured provider, the clock.</summary>
    public static IHostApplicationBuilder AddCrmCore(this IHostApplicationBuilder builder)
    {
        var database = DatabaseOptions.Read(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddCrmDatabase(database);
        builder.Services.AddSingleton(TimeProvider.System);
        return builder;
    }
}
