using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Bots.Tests;

/// <summary>
/// The real Bots host on a chosen database and settings; nothing swapped out. It gets a test
/// Cards:LinkSecret and Cards:PublicBaseUrl (which the settings may override) unless
/// <paramref name="cardSettings"/> is false.
/// </summary>
public sealed class CrmChatApp(
    IEnumerable<KeyValuePair<string, string?>> settings,
    string environment = "Production",
    Action<IServiceCollection>? services = null,
    FakeTimeProvider? clock = null,
    bool cardSettings = true)
    : WebApplicationFactory<Program>
{
    /// <summary>The clock the host runs on when the test gave one.</summary>
    public FakeTimeProvider? Clock => clock;

    /// <summary>Every line the host logged.</summary>
    public CapturedLogs Logs { get; } = new();

    public const string AdminToken = "test-admin-token-0123456789";
    public const string RepToken = "test-rep-token-0123456789ab";

    public const string CardLinkSecret = "test-only-card-link-secret-0123456789abcdef";

    public static CrmChatApp On(TestDatabase database, params (string Key, string? Value)[] extra) =>
        On(database, null, extra);

    public static CrmChatApp On(TestDatabase database, Action<IServiceCollection>? services, params (string Key, string? Value)[] extra) =>
        new(database.HostSettings()
            .Concat(DefaultTokens())
            .Concat(extra.Select(e => new KeyValuePair<string, string?>(e.Key, e.Value))), services: services);

    public static IEnumerable<KeyValuePair<string, string?>> DefaultTokens() =>
    [
        new("Api:Tokens:0:Token", AdminToken), new("Api:Tokens:0:Employee", "admin"), new("Api:Tokens:0:Role", "Admin"),
        new("Api:Tokens:1:Token", RepToken), new("Api:Tokens:1:Employee", "lisi"), new("Api:Tokens:1:Role", "Rep"),
    ];

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment(environment);
        // Test output stays readable; tests that look at logs read the captured lines.
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        // Quartz fires on the wall clock, not on the test's clock: a test runs a job itself, at the time it sets.
        builder.UseSetting("Jobs:Enabled", "false");
        if (cardSettings)
        {
            // Before the test's own settings, so a test can override them.
            builder.UseSetting("Cards:LinkSecret", CardLinkSecret);
            builder.UseSetting("Cards:PublicBaseUrl", "http://localhost/");
        }
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        builder.ConfigureTestServices(s =>
        {
            s.AddSingleton<ILoggerProvider>(Logs);
            if (clock is not null)
            {
                s.AddSingleton<TimeProvider>(clock);
            }
            services?.Invoke(s);
        });
    }

    public HttpClient ClientWithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }
}
