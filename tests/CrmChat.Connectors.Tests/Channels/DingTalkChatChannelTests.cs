using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Sandbox;
using CrmChat.Sandbox.DingTalk;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.Channels;

public sealed class DingTalkChatChannelTests : IAsyncLifetime
{
    private const string RobotToken = "team-robot-token";
    private const string RobotSecret = "SECchannel0123456789abcdef0123456789abcdef0123456789abcdef012345";
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private SandboxServer _sandbox = null!;
    private ChannelHost _host = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxServer.StartAsync(time: _clock);
        _sandbox.DingTalk.UpsertUser(new DingTalkUser { UserId = "zhangsan", Name = "张三" });
        _sandbox.DingTalk.AddCustomRobot(RobotToken, RobotSecret);
        _sandbox.DingTalk.AddGroup("cidSalesTeam", "华东销售群", ["zhangsan"]);
        _host = await ChannelHost.StartAsync(_sandbox, _clock, new Dictionary<string, string?>
        {
            ["DingTalk:Client:MaxAttempts"] = "1",
            ["DingTalk:Client:RobotThrottleAttempts"] = "1",
        });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    private static ChatDelivery Queued(ChatDelivery delivery) => delivery with { QueuedAt = Start };

    /// <summary>A person writes to the robot one to one: the session webhook DingTalk hands out with the message.</summary>
    private (string Webhook, DateTimeOffset ValidUntil) PersonWrites()
    {
        var message = _sandbox.DingTalk.PersonMessagesRobot("zhangsan", "查 上海星辰", "1", null, null, null, _sandbox.DingTalkOapiBaseUrl.ToString());
        return (message["sessionWebhook"]!.GetValue<string>(),
            DateTimeOffset.FromUnixTimeMilliseconds(message["sessionWebhookExpiredTime"]!.GetValue<long>()));
    }

    [Fact]
    public async Task A_card_to_a_member_arrives_one_to_one_with_links_signed_for_them()
    {
        var receipt = await _host.DingTalk.SendAsync(Queued(ChannelHost.Approval(ChatAddress.Member(Platform.DingTalk, "zhangsan"), "dapproval-9")), "k1", default);

        var shown = Assert.Single(_sandbox.DingTalk.PersonMessages("zhangsan"));
        Assert.Equal(("oto_message", "sampleActionCard3"), (shown.Channel, shown.MsgType));
        Assert.Equal(shown.ProcessQueryKey, receipt.PlatformMessageId);
        var approve = _host.Signer.Verify(new Uri(shown.Body["msgParam"]!["actionURL1"]!.GetValue<string>()), "zhangsan");
        Assert.True(approve.IsValid);
        Assert.Equal(("dapproval-9", Start + _host.LinkLifetime), (approve.Claim!.CardId, approve.Claim.ExpiresAt));
    }

    [Fact]
    public async Task A_card_to_someone_DingTalk_does_not_know_is_refused_for_good()
    {
        var refused = await Assert.ThrowsAsync<ChatSendException>(() =>
            _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(ChatAddress.Member(Platform.DingTalk, "nobody"), "dnotice-1")), "k1", default));

        Assert.False(refused.IsTransient);
        Assert.Contains("'nobody'", refused.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.DingTalk.Messages());
    }

    [Fact]
    public async Task A_reply_goes_into_the_conversation_through_the_session_webhook_while_it_lives()
    {
        var (webhook, validUntil) = PersonWrites();

        await _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(ChatAddress.Reply(Platform.DingTalk, webhook, validUntil, "zhangsan"), "dreply-1")), "k1", default);

        var reply = Assert.Single(_sandbox.DingTalk.Messages("session_webhook"));
        Assert.Equal("markdown", reply.MsgType);
        Assert.Contains("合同已批准", reply.Body["markdown"]!["title"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Empty(_sandbox.DingTalk.PersonMessages("zhangsan"));
    }

    [Fact]
    public async Task A_reply_after_the_session_webhook_expired_or_that_DingTalk_no_longer_knows_goes_one_to_one()
    {
        var (webhook, validUntil) = PersonWrites();
        var expired = ChatAddress.Reply(Platform.DingTalk, webhook, Start.AddSeconds(20), "zhangsan");
        var forgotten = ChatAddress.Reply(Platform.DingTalk, webhook.Replace("session=", "session=gone", StringComparison.Ordinal), validUntil, "zhangsan");

        await _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(expired, "dreply-1")), "k1", default);
        await _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(forgotten, "dreply-2")), "k2", default);

        Assert.Empty(_sandbox.DingTalk.Messages("session_webhook"));
        Assert.Equal(2, _sandbox.DingTalk.PersonMessages("zhangsan").Count);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("dreply-1: the session webhook has expired", StringComparison.Ordinal));
        Assert.Contains(_host.Logs.Lines, l => l.Contains("dreply-2: DingTalk no longer knows the session webhook", StringComparison.Ordinal));
        Assert.DoesNotContain(_host.Logs.Lines, l => l.Contains("session=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_card_sent_again_to_a_custom_robot_is_shown_once()
    {
        var group = ChatAddress.Group(new TeamChatTarget { Kind = ChatTargetKind.DingTalkRobotWebhook, Address = RobotToken, Secret = RobotSecret });
        var delivery = Queued(ChannelHost.Approval(group, "dapproval-9") with { LinkUserId = "zhangsan" });

        await _host.DingTalk.SendAsync(delivery, "outbox:approval-9", default);
        await _host.DingTalk.SendAsync(delivery, "outbox:approval-9", default);

        var shown = Assert.Single(_sandbox.DingTalk.Messages("custom_robot", RobotToken));
        Assert.Equal(("actionCard", "outbox:approval-9"), (shown.MsgType, shown.MsgUuid));
    }

    [Fact]
    public async Task A_custom_robot_refusing_a_wrong_secret_is_parked_and_neither_token_nor_secret_is_told()
    {
        const string wrongSecret = "SECwrong0123456789abcdef0123456789abcdef0123456789abcdef0123456";
        var group = ChatAddress.Group(new TeamChatTarget { Kind = ChatTargetKind.DingTalkRobotWebhook, Address = RobotToken, Secret = wrongSecret });

        var refused = await Assert.ThrowsAsync<ChatSendException>(() => _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(group, "dnotice-1")), "k1", default));

        Assert.False(refused.IsTransient);
        Assert.Contains("310000", refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(RobotToken, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongSecret, refused.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_host.Logs.Lines, l => l.Contains(RobotToken, StringComparison.Ordinal) || l.Contains(wrongSecret, StringComparison.Ordinal));
        Assert.Empty(_sandbox.DingTalk.Messages());
    }

    [Fact]
    public async Task A_group_the_robot_is_in_gets_the_card_and_without_a_named_employee_its_buttons_are_left_out()
    {
        var group = ChatAddress.Group(new TeamChatTarget { Kind = ChatTargetKind.DingTalkConversation, Address = "cidSalesTeam" });

        var receipt = await _host.DingTalk.SendAsync(Queued(ChannelHost.Approval(group, "dapproval-9")), "k1", default);

        var shown = Assert.Single(_sandbox.DingTalk.ConversationMessages("cidSalesTeam"));
        // Only the link survives: nobody was named to sign approve/reject links for.
        Assert.Equal("sampleActionCard", shown.MsgType);
        Assert.Equal("查看合同", shown.Body["msgParam"]!["singleTitle"]!.GetValue<string>());
        Assert.Equal(shown.ProcessQueryKey, receipt.PlatformMessageId);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("Dropped Action.Submit '同意'", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_card_update_on_DingTalk_arrives_as_a_new_message_to_the_member()
    {
        await _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(ChatAddress.CardUpdate(Platform.DingTalk, "zhangsan"), "ddone-1")), "k1", default);

        Assert.Equal("sampleMarkdown", Assert.Single(_sandbox.DingTalk.PersonMessages("zhangsan")).MsgType);
    }

    [Fact]
    public async Task A_throttled_robot_or_a_busy_DingTalk_is_worth_another_try_later()
    {
        var group = ChatAddress.Group(new TeamChatTarget { Kind = ChatTargetKind.DingTalkRobotWebhook, Address = RobotToken, Secret = RobotSecret });
        _sandbox.DingTalk.InjectFault("robot/send", 410100, null, count: 1);
        var throttled = await Assert.ThrowsAsync<ChatSendException>(() => _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(group, "dnotice-1")), "k1", default));
        _sandbox.DingTalk.InjectFault("v1.0/robot/oToMessages/batchSend", 90002, "ServiceUnavailable", count: 1, httpStatus: 503);
        var busy = await Assert.ThrowsAsync<ChatSendException>(() =>
            _host.DingTalk.SendAsync(Queued(ChannelHost.Notice(ChatAddress.Member(Platform.DingTalk, "zhangsan"), "dnotice-2")), "k2", default));

        Assert.True(throttled.IsTransient);
        Assert.Equal(TimeSpan.FromMinutes(10), throttled.RetryAfter);
        Assert.True(busy.IsTransient);
        Assert.Empty(_sandbox.DingTalk.Messages());
    }
}
