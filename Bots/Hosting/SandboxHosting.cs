using CrmChat.Sandbox;

namespace CrmChat.Bots.Hosting;

internal static class SandboxHosting
{
    private static bool Enabled(IConfiguration configuration) => configuration.GetValue("Sandbox:Enabled", false);

    /// <summary>
    /// Hosts the WeCom emulator inside CrmChat when <c>Sandbox:Enabled</c> is true (the
    /// Development default), so the whole flow runs on one machine without an account.
    /// </summary>
    public static IHostApplicationBuilder AddSandboxWhenEnabled(this IHostApplicationBuilder builder)
    {
        if (Enabled(builder.Configuration))
        {
            builder.AddSandbox();
        }
        return builder;
    }

    public static IEndpointRouteBuilder MapSandboxWhenEnabled(this WebApplication app)
    {
        if (Enabled(app.Configuration))
        {
            app.MapSandbox();
        }
        return app;
    }
}
