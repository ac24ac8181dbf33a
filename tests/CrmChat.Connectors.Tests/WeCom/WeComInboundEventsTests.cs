using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Messaging;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComInboundEventsTests
{
    private static InboundEvent? From(string xml) => WeComInboundEvents.From(WeComCallbackXml.Parse(xml));

    [Fact]
    public void A_member_writing_to_the_app_is_a_chat_message_from_that_member()
    {
        var e = From("<xml><ToUserName><![CDATA[ww1]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName><CreateTime>1777622400</CreateTime>" +
            "<MsgType><![CDATA[text]]></MsgType><Content><![CDATA[新客户 李四 13800138000]]></Content><MsgId>7412</MsgId><AgentID>1000002</AgentID></xml>");
        var message = Assert.IsType<ChatMessageReceived>(e);
        Assert.Equal((Platform.WeCom, "zhangsan", "新客户 李四 13800138000", "7412"), (message.Platform, message.SenderUserId, message.Text, message.MessageId));
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1777622400), message.At);
        Assert.Null(message.ConversationId);
    }

    [Fact]
    public void A_card_button_click_names_the_card_the_button_and_the_update_token()
    {
        var e = From("<xml><ToUserName>ww1</ToUserName><FromUserName>lisi</FromUserName><CreateTime>1777622401</CreateTime><MsgType>event</MsgType>" +
            "<Event>template_card_event</Event><EventKey>approve</EventKey><TaskId>apr-42</TaskId><CardType>button_interaction</CardType>" +
            "<ResponseCode>rc-1</ResponseCode><AgentID>1000002</AgentID></xml>");
        var click = Assert.IsType<CardActionReceived>(e);
        Assert.Equal(("lisi", "apr-42", "approve", "rc-1"), (click.UserId, click.CardId, click.ActionKey, click.UpdateToken));
    }

    [Fact]
    public void An_OA_approval_change_says_who_decided_and_how()
    {
        var e = From("<xml><ToUserName>ww1</ToUserName><FromUserName>sys</FromUserName><CreateTime>1777622402</CreateTime><MsgType>event</MsgType>" +
            "<Event>sys_approval_change</Event><AgentID>3010040</AgentID><ApprovalInfo><SpNo>202611230001</SpNo><SpName>合同审批</SpName>" +
            "<SpStatus>3</SpStatus><TemplateId>tpl</TemplateId><ApplyTime>1777622000</ApplyTime><Applyer><UserId>zhangsan</UserId><Party>1</Party></Applyer>" +
            "<SpRecord><SpStatus>3</SpStatus><ApproverAttr>1</ApproverAttr><Details><Approver><UserId>wangwu</UserId></Approver>" +
            "<Speech>价格太低</Speech><SpStatus>3</SpStatus><SpTime>1777622390</SpTime></Details></SpRecord>" +
            "<StatuChangeEvent>3</StatuChangeEvent></ApprovalInfo></xml>");
        var approval = Assert.IsType<NativeApprovalChanged>(e);
        Assert.Equal(("202611230001", NativeApprovalState.Rejected, "wangwu", "价格太低"),
            (approval.InstanceId, approval.State, approval.DeciderUserId, approval.Comment));
    }

    [Fact]
    public void Contact_changes_are_not_chat_events()
    {
        Assert.Null(From("<xml><ToUserName>ww1</ToUserName><FromUserName>sys</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType>" +
            "<Event>change_external_contact</Event><ChangeType>add_external_contact</ChangeType><UserID>a</UserID><ExternalUserID>wm1</ExternalUserID></xml>"));
    }
}
