using static CrmChat.Sandbox.Tests.SandboxHttp;

namespace CrmChat.Sandbox.Tests;

public sealed class CallbackTests
{
    private static async Task<SandboxHttp> SandboxCalling(CallbackReceiver receiver) =>
        await StartAsync(o =>
        {
            o.CallbackUrl = receiver.Url;
            o.CallbackTimeout = TimeSpan.FromMilliseconds(200);
        });

    [Fact]
    public async Task Rep_adding_a_customer_is_delivered_encrypted_signed_and_addressed_to_the_corp()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await SandboxCalling(receiver);
        await sandbox.Driver("members", new { userid = "zhangsan" });

        var added = await sandbox.Driver("customers/add", new { userid = "zhangsan", external_userid = "wmCustomer1", name = "李四", state = "qr-expo" });

        Assert.True((bool)added["delivery"]!["delivered"]!);
        Assert.Empty(receiver.Failures);
        var e = Assert.Single(receiver.Events);
        Assert.Equal(SandboxDefaults.CorpId, e.Element("ToUserName")!.Value);
        Assert.Equal("sys", e.Element("FromUserName")!.Value);
        Assert.Equal("event", e.Element("MsgType")!.Value);
        Assert.Equal("change_external_contact", e.Element("Event")!.Value);
        Assert.Equal("add_external_contact", e.Element("ChangeType")!.Value);
        Assert.Equal("zhangsan", e.Element("UserID")!.Value);
        Assert.Equal("wmCustomer1", e.Element("ExternalUserID")!.Value);
        Assert.Equal("qr-expo", e.Element("State")!.Value);
        Assert.False(string.IsNullOrEmpty(e.Element("WelcomeCode")!.Value));
        Assert.Equal(sandbox.Time.GetUtcNow().ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture), e.Element("CreateTime")!.Value);
    }

    [Fact]
    public async Task Receiver_answering_500_gets_three_attempts_in_all_and_each_is_recorded()
    {
        await using var receiver = await CallbackReceiver.StartAsync(_ => (TimeSpan.Zero, 500));
        await using var sandbox = await SandboxCalling(receiver);
        await sandbox.Driver("members", new { userid = "rep1" });

        var added = await sandbox.Driver("customers/add", new { userid = "rep1", name = "客户" });

        Assert.Equal(3, receiver.Requests);
        Assert.False((bool)added["delivery"]!["delivered"]!);
        var delivery = Assert.Single(sandbox.Server.WeCom.Deliveries);
        Assert.Equal([500, 500, 500], delivery.Attempts.Select(a => a.StatusCode));
        Assert.Equal([1, 2, 3], delivery.Attempts.Select(a => a.Number));
    }

    [Fact]
    public async Task Stalled_answer_is_abandoned_after_the_timeout_and_retried()
    {
        await using var receiver = await CallbackReceiver.StartAsync(n => n == 1 ? (TimeSpan.FromSeconds(3), 200) : (TimeSpan.Zero, 200));
        await using var sandbox = await SandboxCalling(receiver);
        await sandbox.Driver("members", new { userid = "rep1" });
        var started = DateTime.UtcNow;

        await sandbox.Driver("customers/add", new { userid = "rep1", name = "客户" });

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(2), "the Sandbox waited for the stalled receiver");
        var delivery = Assert.Single(sandbox.Server.WeCom.Deliveries);
        Assert.True(delivery.Delivered);
        Assert.Equal(2, delivery.Attempts.Count);
        Assert.Null(delivery.Attempts[0].StatusCode);
        Assert.Contains("200 ms", delivery.Attempts[0].Error);
        Assert.Equal(200, delivery.Attempts[1].StatusCode);
        // Both attempts carry the same event.
        Assert.Equal(2, receiver.Events.Count);
        Assert.Equal(receiver.Events.First().ToString(), receiver.Events.Last().ToString());
    }

    [Fact]
    public async Task Edit_delete_and_customer_leaving_fire_their_change_types()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await SandboxCalling(receiver);
        await sandbox.Driver("members", new { userid = "rep1" });
        await sandbox.Driver("members", new { userid = "rep2" });
        await sandbox.Driver("customers/add", new { userid = "rep1", external_userid = "wmC1" });
        await sandbox.Driver("customers/add", new { userid = "rep2", external_userid = "wmC1" });

        await sandbox.Driver("customers/edit", new { userid = "rep1", external_userid = "wmC1", remark = "老客户", description = "喜欢茶" });
        await sandbox.Driver("customers/delete-by-member", new { userid = "rep1", external_userid = "wmC1" });
        await sandbox.Driver("customers/delete-member", new { userid = "rep2", external_userid = "wmC1" });

        Assert.Equal(
            ["add_external_contact", "add_external_contact", "edit_external_contact", "del_external_contact", "del_follow_user"],
            receiver.Events.Select(e => e.Element("ChangeType")!.Value));
        var token = await sandbox.ContactToken();
        JsonAssert.ErrCode(84061, await sandbox.Get(Api("externalcontact/get", token, "&external_userid=wmC1")));
        Assert.NotNull(sandbox.Server.WeCom.FindCustomer("wmC1"));
    }

    [Fact]
    public async Task Admin_tag_changes_fire_change_external_tag()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await SandboxCalling(receiver);
        var created = await sandbox.Driver("tags/create", new { group_name = "来源", tags = new[] { "展会" } });
        var groupId = (string)created["result"]!["group_id"]!;
        var tagId = (string)created["result"]!["tag_ids"]![0]!;
        await sandbox.Driver("tags/edit", new { id = tagId, name = "线下展会" });
        await sandbox.Driver("tags/delete", new { group_id = new[] { groupId } });

        var events = receiver.Events.ToList();
        Assert.All(events, e => Assert.Equal("change_external_tag", e.Element("Event")!.Value));
        Assert.Equal(["create", "update", "delete"], events.Select(e => e.Element("ChangeType")!.Value));
        Assert.Equal([groupId, tagId, groupId], events.Select(e => e.Element("Id")!.Value));
        Assert.Equal(["tag_group", "tag", "tag_group"], events.Select(e => e.Element("TagType")!.Value));
    }

    [Fact]
    public async Task Member_text_and_card_click_arrive_with_msgid_and_a_usable_response_code()
    {
        await using var receiver = await CallbackReceiver.StartAsync();
        await using var sandbox = await SandboxCalling(receiver);
        await sandbox.Driver("members", new { userid = "rep1" });
        var token = await sandbox.AppToken();
        await sandbox.Post(Api("message/send", token), new
        {
            touser = "rep1", msgtype = "template_card", agentid = SandboxDefaults.AgentId,
            template_card = new
            {
                card_type = "button_interaction", task_id = "contract-9", main_title = new { title = "合同审批" },
                button_list = new[] { new { text = "同意", key = "approve" } },
            },
        });

        await sandbox.Driver("messages/text", new { userid = "rep1", content = "新客户 王五 13800000000" });
        await sandbox.Driver("cards/click", new { userid = "rep1", task_id = "contract-9", event_key = "approve" });

        var text = receiver.Events.First();
        Assert.Equal("text", text.Element("MsgType")!.Value);
        Assert.Equal("rep1", text.Element("FromUserName")!.Value);
        Assert.Equal("新客户 王五 13800000000", text.Element("Content")!.Value);
        Assert.True(long.TryParse(text.Element("MsgId")!.Value, out _));

        var click = receiver.Events.Last();
        Assert.Equal("template_card_event", click.Element("Event")!.Value);
        Assert.Equal("approve", click.Element("EventKey")!.Value);
        Assert.Equal("contract-9", click.Element("TaskId")!.Value);
        Assert.Equal("button_interaction", click.Element("CardType")!.Value);
        var update = await sandbox.Post(Api("message/update_template_card", token), new
        {
            userids = new[] { "rep1" }, agentid = SandboxDefaults.AgentId,
            response_code = click.Element("ResponseCode")!.Value, button = new { replace_name = "已同意" },
        });
        JsonAssert.ErrCode(0, update);
    }
}
