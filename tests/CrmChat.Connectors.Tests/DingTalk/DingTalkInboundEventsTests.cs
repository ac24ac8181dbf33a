using System.Text;
using CrmChat.Connectors.DingTalk;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Connectors.Tests.DingTalk;

public sealed class DingTalkInboundEventsTests
{
    [Fact]
    public void A_group_message_to_the_robot_keeps_its_conversation_and_reply_address()
    {
        const string Json = """
            {"msgId":"m1","msgtype":"text","text":{"content":" 新客户 王五 13800138000 "},"conversationType":"2","conversationId":"cid9",
             "senderStaffId":"lisi","senderNick":"李四","isInAtList":true,"sessionWebhook":"https://oapi.dingtalk.com/robot/sendBySession?session=s1",
             "sessionWebhookExpiredTime":1777626000000,"robotCode":"r1","createAt":1777622400000}
            """;
        var message = DingTalkInboundEvents.From(DingTalkRobotInboundMessage.Parse(Encoding.UTF8.GetBytes(Json)));
        Assert.NotNull(message);
        Assert.Equal((Platform.DingTalk, "lisi", "新客户 王五 13800138000", "cid9"), (message.Platform, message.SenderUserId, message.Text, message.ConversationId));
        Assert.Equal("https://oapi.dingtalk.com/robot/sendBySession?session=s1", message.ReplyAddress);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1777626000000), message.ReplyAddressExpiresAt);
    }

    [Theory]
    [InlineData("finish", "agree", NativeApprovalState.Approved)]
    [InlineData("finish", "refuse", NativeApprovalState.Rejected)]
    [InlineData("terminate", "", NativeApprovalState.Withdrawn)]
    public void A_finished_workflow_instance_says_how_it_ended(string type, string result, NativeApprovalState expected)
    {
        var e = DingTalkEvent.Parse($$"""
            {"EventType":"bpms_instance_change","processInstanceId":"pi-1","processCode":"PROC-1","type":"{{type}}","result":"{{result}}",
             "staffId":"wangwu","title":"合同","TimeStamp":1777622400000,"EventId":"e1"}
            """);
        var change = DingTalkInboundEvents.From(e);
        Assert.Equal(("pi-1", expected, "wangwu"), (change!.InstanceId, change.State, change.DeciderUserId));
    }
}
