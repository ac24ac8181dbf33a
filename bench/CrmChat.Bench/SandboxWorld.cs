using System.Net.Http.Headers;
using CrmChat.Sandbox;

namespace CrmChat.Bench;

/// <summary>The WeCom Sandbox in this process, and the host settings that point the Bots host at it.</summary>
public static class SandboxWorld
{
    public static Task<SandboxServer> StartAsync() => SandboxServer.StartAsync(corp =>
    {
        corp.CorpId = BotsHost.CorpId;
        corp.Token = BotsHost.Token;
        corp.EncodingAESKey = BotsHost.EncodingAesKey;
    });

    public static Dictionary<string, string> HostSettings(SandboxServer sandbox, bool processor) => new()
    {
        ["WeCom:Secret"] = SandboxDefaults.Secret,
        ["WeCom:ContactSecret"] = SandboxDefaults.ContactSecret,
        ["WeCom:AgentId"] = SandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["WeCom:ApiBaseUrl"] = sandbox.WeComApiBaseUrl.ToString(),
        ["Inbox:ProcessorEnabled"] = processor ? "true" : "false",
    };

    public static HttpClient AdminClient(BotsHost host)
    {
        var client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", BotsHost.AdminToken);
        return client;
    }
}
