using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace CrmChat.Bots.Hosting;

internal static class ConfigurationSetup
{
    /// <summary>
    /// Puts the shared files in appsettings/ (embedded defaults, then the environment's file)
    /// underneath everything else, so user secrets, environment variables and the command
    /// line still override them.
    /// </summary>
    public static IHostApplicationBuilder AddCrmChatConfiguration(this IHostApplicationBuilder builder)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "appsettings");
        if (!Directory.Exists(folder))
        {
            return builder;
        }
        var files = new PhysicalFileProvider(folder);
        var sources = builder.Configuration.Sources;
        sources.Insert(0, Json(files, "appsettings.json"));
        sources.Insert(1, Json(files, $"appsettings.{builder.Environment.EnvironmentName}.json"));
        return builder;
    }

    private static JsonConfigurationSource Json(IFileProvider files, string name) => new()
    {
        FileProvider = files,
        Path = name,
        Optional = true,
        ReloadOnChange = false,
    };
}
