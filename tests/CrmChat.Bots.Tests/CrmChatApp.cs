using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace CrmChat.Bots.Tests;

/// <summary>The real Bots host on a chosen database and settings; nothing swapped out.</summary>
public sealed class CrmChatApp(
    IEnumerable<KeyValuePair<string, string?>> settings,
    string environment = "Production",
    Action<IServiceCollection>? services = null)
    : WebApplicationFactory<Program>
{
    public const string AdminToken = "test-admin-token-0123456789";
    public const string RepToken = "test-rep-token-0123456789ab";

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
        foreach (var (key, value) in settings)
        {
            builder.UseSetting(key, value);
        }
        if (services is not null)
        {
            builder.ConfigureTestServices(services);
        }
    }

    public HttpClient ClientWithToken(string token)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new("Bearer", token);
        return client;
    }
}
