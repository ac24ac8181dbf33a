using CrmChat.Connectors.Tests.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Sandbox;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.Channels;

public sealed class WeComChatChannelTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 2, 1, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Start);
    private SandboxServer _sandbox = null!;
    private ChannelHost _host = null!;

    public async Task InitializeAsync()
    {
        _sandbox = await SandboxServer.StartAsync(time: _clock);
        _sandbox.WeCom.AddMember("rep1", "李四");
        _host = await ChannelHost.StartAsync(_sandbox, _clock, new Dictionary<string, string?> { ["WeCom:Client:MaxAttempts"] = "1" });
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _sandbox.DisposeAsync();
    }

    private static ChatDelivery Queued(ChatDelivery delivery) => delivery with { QueuedAt = Start };

    [Fact]
    public async Task A_card_with_buttons_reaches_the_member_as_a_button_card_named_by_its_card_id_and_its_response_code_comes_back()
    {
        var receipt = await _host.WeCom.SendAsync(Queued(ChannelHost.Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-9")), "k1", default);

        var shown = Assert.Single(_sandbox.WeCom.AppMessages("rep1"));
        Assert.Equal(("template_card", "wapproval-9"), (shown.MsgType, shown.TaskId));
        Assert.Equal("button_interaction", shown.Body["template_card"]!["card_type"]!.GetValue<string>());
        Assert.Equal((shown.MsgId.ToString(System.Globalization.CultureInfo.InvariantCulture), shown.ResponseCode), (receipt.PlatformMessageId, receipt.UpdateToken));
        Assert.Equal(14400, shown.Body["duplicate_check_interval"]!.GetValue<int>());
    }

    [Fact]
    public async Task The_same_card_sent_again_is_recognised_by_WeCom_and_shown_once()
    {
        var delivery = Queued(ChannelHost.Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-9"));
        var first = await _host.WeCom.SendAsync(delivery, "k1", default);
        _clock.Advance(TimeSpan.FromMinutes(30));
        var again = await _host.WeCom.SendAsync(delivery, "k1", default);

        Assert.Single(_sandbox.WeCom.AppMessages("rep1"));
        Assert.Equal(first, again);
    }

    [Fact]
    public async Task A_click_s_response_code_replaces_the_card_with_one_without_buttons()
    {
        await _host.WeCom.SendAsync(Queued(ChannelHost.Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-9")), "k1", default);
        var (code, _) = _sandbox.WeCom.ClickCard("rep1", "wapproval-9", "approval.approve?approvalId=9");

        var update = Queued(ChannelHost.Notice(ChatAddress.CardUpdate(Platform.WeCom, "rep1"), "wapproval-9-done") with { UpdateToken = code });
        var receipt = await _host.WeCom.SendAsync(update, "k2", default);

        var updated = Assert.Single(_sandbox.WeCom.CardUpdates);
        Assert.Equal((code, "wapproval-9"), (updated.ResponseCode, updated.TaskId));
        Assert.Equal(["rep1"], updated.UserIds);
        var card = updated.Body["template_card"]!;
        Assert.Equal(("text_notice", "合同已批准"), (card["card_type"]!.GetValue<string>(), card["main_title"]!["title"]!.GetValue<string>()));
        Assert.Null(card["button_list"]);
        Assert.Single(_sandbox.WeCom.AppMessages("rep1"));
        Assert.Null(receipt.UpdateToken);
    }

    [Fact]
    public async Task An_update_whose_response_code_was_used_arrives_as_a_new_message_and_the_log_says_so()
    {
        await _host.WeCom.SendAsync(Queued(ChannelHost.Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-9")), "k1", default);
        var (code, _) = _sandbox.WeCom.ClickCard("rep1", "wapproval-9", "approval.approve?approvalId=9");
        await _host.WeCom.SendAsync(Queued(ChannelHost.Notice(ChatAddress.CardUpdate(Platform.WeCom, "rep1"), "wdone-1") with { UpdateToken = code }), "k2", default);

        var receipt = await _host.WeCom.SendAsync(
            Queued(ChannelHost.Notice(ChatAddress.CardUpdate(Platform.WeCom, "rep1"), "wdone-2", "合同已归档") with { UpdateToken = code }), "k3", default);

        Assert.Single(_sandbox.WeCom.CardUpdates);
        var messages = _sandbox.WeCom.AppMessages("rep1");
        Assert.Equal(2, messages.Count);
        Assert.Equal("合同已归档", messages[^1].Body["template_card"]!["main_title"]!["title"]!.GetValue<string>());
        Assert.Equal(messages[^1].MsgId.ToString(System.Globalization.CultureInfo.InvariantCulture), receipt.PlatformMessageId);
        Assert.Contains(_host.Logs.Lines, l => l.Contains("wdone-2 could not be updated in place", StringComparison.Ordinal) && l.Contains("rep1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_update_past_72_hours_arrives_as_a_new_message()
    {
        await _host.WeCom.SendAsync(Queued(ChannelHost.Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "wapproval-9")), "k1", default);
        var (code, _) = _sandbox.WeCom.ClickCard("rep1", "wapproval-9", "approval.approve?approvalId=9");
        _clock.Advance(TimeSpan.FromHours(73));

        await _host.WeCom.SendAsync(Queued(ChannelHost.Notice(ChatAddress.CardUpdate(Platform.WeCom, "rep1"), "wdone-1") with { UpdateToken = code }), "k2", default);

        Assert.Empty(_sandbox.WeCom.CardUpdates);
        Assert.Equal(2, _sandbox.WeCom.AppMessages("rep1").Count);
    }

    [Fact]
    public async Task A_frequency_limit_or_a_busy_server_is_worth_another_try_later()
    {
        var card = Queued(ChannelHost.Notice(ChatAddress.Member(Platform.WeCom, "rep1"), "wnotice-1"));
        _sandbox.WeCom.InjectFault("message/send", 45009, count: 1);
        var limited = await Assert.ThrowsAsync<ChatSendException>(() => _host.WeCom.SendAsync(card, "k1", default));
        _sandbox.WeCom.InjectFault("message/send", -1, count: 1, httpStatus: 503);
        var down = await Assert.ThrowsAsync<ChatSendException>(() => _host.WeCom.SendAsync(card, "k1", default));

        Assert.True(limited.IsTransient);
        Assert.Equal(TimeSpan.FromMinutes(1), limited.RetryAfter);
        Assert.Contains("45009", limited.Message, StringComparison.Ordinal);
        Assert.True(down.IsTransient);
        Assert.Empty(_sandbox.WeCom.AppMessages("rep1"));
    }

    [Fact]
    public async Task A_member_WeCom_does_not_know_or_a_card_WeCom_cannot_take_is_refused_for_good()
    {
        var unknown = await Assert.ThrowsAsync<ChatSendException>(() =>
            _host.WeCom.SendAsync(Queued(ChannelHost.Notice(ChatAddress.Member(Platform.WeCom, "nobody"), "wnotice-1")), "k1", default));
        var badTaskId = await Assert.ThrowsAsync<ChatSendException>(() =>
            _host.WeCom.SendAsync(Queued(ChannelHost.Approval(ChatAddress.Member(Platform.WeCom, "rep1"), "w approval 9!")), "k2", default));
        var appChat = await Assert.ThrowsAsync<ChatSendException>(() => _host.WeCom.SendAsync(
            Queued(ChannelHost.Notice(new ChatAddress(Platform.WeCom, ChatAddressKind.Group, "chat-1") { TargetKind = ChatTargetKind.WeComAppChat }, "wnotice-2")), "k3", default));

        Assert.False(unknown.IsTransient);
        Assert.Contains("81013", unknown.Message, StringComparison.Ordinal);
        Assert.False(badTaskId.IsTransient);
        Assert.Contains("task_id", badTaskId.Message, StringComparison.Ordinal);
        Assert.False(appChat.IsTransient);
        Assert.Contains("group robot", appChat.Message, StringComparison.Ordinal);
        Assert.Empty(_sandbox.WeCom.AppMessages());
    }

    [Fact]
    public async Task A_group_robot_gets_signed_links_for_the_named_employee_that_expire_a_fixed_time_after_queueing()
    {
        var group = ChatAddress.Group(new TeamChatTarget { Kind = ChatTargetKind.WeComGroupRobot, Address = "team-robot-key" });
        var delivery = Queued(ChannelHost.Approval(group, "wapproval-9") with { LinkUserId = "manager01" });

        await _host.WeCom.SendAsync(delivery, "k1", default);
        _clock.Advance(TimeSpan.FromHours(5));
        await _host.WeCom.SendAsync(delivery, "k1", default);

        var sent = _sandbox.WeCom.RobotMessages("team-robot-key");
        Assert.Equal(2, sent.Count);
        // Rendered five hours apart, the same bytes: the links' expiry comes from the row, not the clock.
        Assert.Equal(sent[0].Body.ToJsonString(), sent[1].Body.ToJsonString());
        var approve = sent[0].Body["template_card"]!["jump_list"]!.AsArray()
            .Select(j => new Uri(j!["url"]!.GetValue<string>()))
            .Select(u => _host.Signer.Verify(u, "manager01"))
            .First(c => c.Claim?.Action == "approval.approve?approvalId=9");
        Assert.True(approve.IsValid);
        Assert.Equal(Start + _host.LinkLifetime, approve.Claim!.ExpiresAt);
    }
}
