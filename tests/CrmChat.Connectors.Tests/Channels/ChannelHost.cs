using CrmChat.Connectors.Cards;
using CrmChat.Connectors.Channels;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.DingTalk.Api;
using CrmChat.Connectors.Tests.DingTalk;
using CrmChat.Connectors.Tests.WeCom;
using CrmChat.Connectors.WeCom;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Messaging;
using CrmChat.Sandbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Tests.Channels;

/// <summary>
/// The chat channels as the host builds them (both platforms configured, card rendering, one
/// client per platform), pointed at a Sandbox, on the test's clock.
/// </summary>
public sealed class ChannelHost : ClientHost
{
    public const string LinkSecret = "test-channel-link-secret-0123456789abcdef";

    private ChannelHost(IHost host, LogSink logs) : base(host, logs)
    {
    }

    public IChatChannel WeCom => Services.GetServices<IChatChannel>().Single(c => c.Platform == Platform.WeCom);
    public IChatChannel DingTalk => Services.GetServices<IChatChannel>().Single(c => c.Platform == Platform.DingTalk);
    public CardLinkSigner Signer => Services.GetRequiredService<CardLinkSigner>();
    public TimeSpan LinkLifetime => Services.GetRequiredService<IOptions<CardOptions>>().Value.LinkLifetime;

    public static async Task<ChannelHost> StartAsync(SandboxServer sandbox, TimeProvider time, IDictionary<string, string?>? settings = null)
    {
        var (host, logs) = await StartHostAsync(time, new Dictionary<string, string?>
        {
            ["WeCom:CorpId"] = SandboxDefaults.CorpId,
            ["WeCom:AgentId"] = SandboxDefaults.AgentId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WeCom:Secret"] = SandboxDefaults.Secret,
            ["WeCom:ApiBaseUrl"] = sandbox.WeComApiBaseUrl.ToString(),
            ["WeCom:Client:FirstRetryDelay"] = "00:00:00.001",
            ["WeCom:Client:MaxRetryDelay"] = "00:00:00.010",
            ["DingTalk:AppKey"] = DingTalkSandboxDefaults.AppKey,
            ["DingTalk:AppSecret"] = DingTalkSandboxDefaults.AppSecret,
            ["DingTalk:RobotCode"] = DingTalkSandboxDefaults.RobotCode,
            ["DingTalk:ApiBaseUrl"] = sandbox.DingTalkApiBaseUrl.ToString(),
            ["DingTalk:OapiBaseUrl"] = sandbox.DingTalkOapiBaseUrl.ToString(),
            ["DingTalk:Client:FirstRetryDelay"] = "00:00:00.001",
            ["DingTalk:Client:MaxRetryDelay"] = "00:00:00.010",
            ["Cards:LinkSecret"] = LinkSecret,
            ["Cards:PublicBaseUrl"] = "https://crm.example.com/",
        }, settings, builder =>
        {
            builder.AddWeComClient();
            builder.AddDingTalkClient();
            builder.AddCardRendering();
            builder.AddChatChannels();
        });
        return new ChannelHost(host, logs);
    }

    public static ChatDelivery Approval(ChatAddress to, string cardId) =>
        new(to, CardExamples.Approval(9, "年度服务合同", "上海星辰科技", "¥120,000", "李四", "https://crm.example.com/approvals/9"), cardId);

    public static ChatDelivery Notice(ChatAddress to, string cardId, string heading = "合同已批准") =>
        new(to, Card.New().Heading(heading).Facts(("客户", "上海星辰科技"), ("审批人", "王经理")).Build(), cardId);
}
