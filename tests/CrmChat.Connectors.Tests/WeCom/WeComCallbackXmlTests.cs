using CrmChat.Connectors.Crypto;
using CrmChat.Connectors.WeCom;

namespace CrmChat.Connectors.Tests.WeCom;

public sealed class WeComCallbackXmlTests
{
    private static string Event(string evt, string? changeType, string fields, string from = "sys", long createTime = 1700000000) =>
        $"<xml><ToUserName><![CDATA[wwsandbox0000000001]]></ToUserName><FromUserName><![CDATA[{from}]]></FromUserName>" +
        $"<CreateTime>{createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[{evt}]]></Event>" +
        (changeType is null ? "" : $"<ChangeType><![CDATA[{changeType}]]></ChangeType>") + fields + "</xml>";

    private static string Contact(string changeType, string extra = "", string external = "wmEXT0001", long createTime = 1700000000) =>
        Event("change_external_contact", changeType,
            $"<UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[{external}]]></ExternalUserID>{extra}",
            createTime: createTime);

    [Fact]
    public void Customer_added_carries_member_customer_state_and_welcome_code()
    {
        var xml = Contact("add_external_contact", "<State><![CDATA[expo2026]]></State><WelcomeCode><![CDATA[WELCOME1]]></WelcomeCode>");

        var message = Assert.IsType<WeComExternalContactChanged>(WeComCallbackXml.Parse(xml));

        Assert.Equal(("zhangsan", "wmEXT0001", "expo2026", "WELCOME1"), (message.UserId, message.ExternalUserId, message.State, message.WelcomeCode));
        Assert.Equal(new WeComEnvelope("wwsandbox0000000001", "sys", 1700000000, "event", "change_external_contact", "add_external_contact", null, null), message.Envelope);
        Assert.Equal("change_external_contact/add_external_contact", message.EventType);
        Assert.Equal("wecom:evt:sys|1700000000|change_external_contact|add_external_contact|zhangsan|wmEXT0001", message.DedupeKey);
        Assert.Equal("wmEXT0001", message.OrderingKey);
        Assert.Equal(xml, message.Xml);
    }

    [Theory]
    [InlineData("edit_external_contact", "<State><![CDATA[s1]]></State>", null, null)]
    [InlineData("add_half_external_contact", "<State><![CDATA[s1]]></State><WelcomeCode><![CDATA[W]]></WelcomeCode>", null, null)]
    [InlineData("del_external_contact", "<Source><![CDATA[DELETE_BY_TRANSFER]]></Source>", "DELETE_BY_TRANSFER", null)]
    [InlineData("del_follow_user", "", null, null)]
    [InlineData("transfer_fail", "<FailReason><![CDATA[customer_refused]]></FailReason>", null, "customer_refused")]
    public void Every_contact_change_type_parses_with_its_own_fields(string changeType, string extra, string? source, string? failReason)
    {
        var message = Assert.IsType<WeComExternalContactChanged>(WeComCallbackXml.Parse(Contact(changeType, extra)));

        Assert.Equal("change_external_contact/" + changeType, message.EventType);
        Assert.Equal(source, message.Source);
        Assert.Equal(failReason, message.FailReason);
        Assert.Equal("wmEXT0001", message.OrderingKey);
    }

    [Fact]
    public void Retried_event_has_the_same_dedupe_key_and_other_events_do_not()
    {
        var first = WeComCallbackXml.Parse(Contact("add_external_contact")).DedupeKey;

        Assert.Equal(first, WeComCallbackXml.Parse(Contact("add_external_contact")).DedupeKey);
        Assert.NotEqual(first, WeComCallbackXml.Parse(Contact("add_external_contact", external: "wmEXT0002")).DedupeKey);
        Assert.NotEqual(first, WeComCallbackXml.Parse(Contact("add_external_contact", createTime: 1700000001)).DedupeKey);
        Assert.NotEqual(first, WeComCallbackXml.Parse(Contact("edit_external_contact")).DedupeKey);
    }

    [Fact]
    public void Tag_change_carries_id_and_type_and_shuffle_has_no_type()
    {
        var created = Assert.IsType<WeComExternalTagChanged>(WeComCallbackXml.Parse(
            Event("change_external_tag", "create", "<Id><![CDATA[etTAG01]]></Id><TagType><![CDATA[tag]]></TagType>")));
        var shuffled = Assert.IsType<WeComExternalTagChanged>(WeComCallbackXml.Parse(
            Event("change_external_tag", "shuffle", "<Id><![CDATA[etGROUP01]]></Id>")));

        Assert.Equal(("etTAG01", "tag", "change_external_tag/create"), (created.Id, created.TagType, created.EventType));
        Assert.Equal(("etGROUP01", null, "change_external_tag/shuffle"), (shuffled.Id, shuffled.TagType, shuffled.EventType));
        Assert.Null(created.OrderingKey);
        Assert.EndsWith("|etTAG01|tag", created.DedupeKey, StringComparison.Ordinal);
    }

    [Fact]
    public void Customer_group_change_carries_chat_id_and_detail()
    {
        var message = Assert.IsType<WeComExternalChatChanged>(WeComCallbackXml.Parse(
            Event("change_external_chat", "update", "<ChatId><![CDATA[wrCHAT01]]></ChatId><UpdateDetail><![CDATA[add_member]]></UpdateDetail>")));

        Assert.Equal(("wrCHAT01", "add_member", "change_external_chat/update"), (message.ChatId, message.UpdateDetail, message.EventType));
    }

    [Fact]
    public void Card_button_click_carries_key_task_card_type_response_code_and_who_clicked()
    {
        var message = Assert.IsType<WeComTemplateCardClicked>(WeComCallbackXml.Parse(Event("template_card_event", null,
            "<EventKey><![CDATA[approve]]></EventKey><TaskId><![CDATA[deal-42_approval]]></TaskId>" +
            "<CardType><![CDATA[button_interaction]]></CardType><ResponseCode><![CDATA[RC123]]></ResponseCode><AgentID>1000002</AgentID>",
            from: "lisi")));

        Assert.Equal(("approve", "deal-42_approval", "button_interaction", "RC123"), (message.EventKey, message.TaskId, message.CardType, message.ResponseCode));
        Assert.Equal("lisi", message.MemberUserId);
        Assert.Equal("template_card_event", message.EventType);
        Assert.Equal("1000002", message.Envelope.AgentId);
        Assert.Equal("wecom:evt:lisi|1700000000|template_card_event||deal-42_approval|approve|RC123", message.DedupeKey);
    }

    [Fact]
    public void Approval_change_is_typed_and_keeps_the_raw_approval_xml()
    {
        const string approval =
            "<ApprovalInfo><SpNo>202601010001</SpNo><SpName><![CDATA[合同审批]]></SpName><SpStatus>2</SpStatus>" +
            "<TemplateId><![CDATA[3Tka1eD6v6JfzhDMqPd3aMkFdxqtJMc2ZRioeFXk]]></TemplateId><ApplyTime>1699990000</ApplyTime>" +
            "<Applyer><UserId><![CDATA[zhangsan]]></UserId><Party><![CDATA[2]]></Party></Applyer>" +
            "<SpRecord><SpStatus>2</SpStatus><ApproverAttr>1</ApproverAttr><Details><Approver><UserId><![CDATA[wangwu]]></UserId></Approver>" +
            "<Speech><![CDATA[同意]]></Speech><SpStatus>2</SpStatus><SpTime>1700000000</SpTime></Details></SpRecord>" +
            "<Notifyer><UserId><![CDATA[zhaoliu]]></UserId></Notifyer>" +
            "<Comments><CommentUserInfo><UserId><![CDATA[wangwu]]></UserId></CommentUserInfo><CommentTime>1699999000</CommentTime>" +
            "<CommentContent><![CDATA[价格已核对]]></CommentContent><CommentId><![CDATA[6750538708562529508]]></CommentId></Comments>" +
            "<StatuChangeEvent>2</StatuChangeEvent></ApprovalInfo>";

        var message = Assert.IsType<WeComApprovalChanged>(WeComCallbackXml.Parse(Event("sys_approval_change", null, approval)));
        var info = message.ApprovalInfo;

        Assert.Equal(("202601010001", "合同审批", WeComApprovalStatus.Approved, 1699990000L, "zhangsan", "2", 2),
            (info.SpNo, info.SpName, info.SpStatus, info.ApplyTime, info.ApplyerUserId, info.ApplyerParty, info.StatuChangeEvent));
        var step = Assert.Single(info.Steps);
        Assert.Equal(new WeComApprovalDecision("wangwu", "同意", WeComApprovalStatus.Approved, 1700000000), Assert.Single(step.Details));
        Assert.Equal(["zhaoliu"], info.NotifyerUserIds);
        Assert.Equal(new WeComApprovalComment("wangwu", 1699999000, "价格已核对", "6750538708562529508"), Assert.Single(info.Comments));
        Assert.Contains("<SpNo>202601010001</SpNo>", message.ApprovalInfoXml, StringComparison.Ordinal);
        Assert.Equal("wecom:evt:sys|1700000000|sys_approval_change||202601010001|2|2|wangwu@1700000000", message.DedupeKey);
        Assert.Equal("approval:202601010001", message.OrderingKey);
    }

    [Fact]
    public void Text_message_is_deduplicated_by_its_msg_id()
    {
        var message = Assert.IsType<WeComTextMessage>(WeComCallbackXml.Parse(
            "<xml><ToUserName><![CDATA[wwsandbox0000000001]]></ToUserName><FromUserName><![CDATA[zhangsan]]></FromUserName>" +
            "<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[新客户 李四 138 0013 8000]]></Content>" +
            "<MsgId>7300000000000000001</MsgId><AgentID>1000002</AgentID></xml>"));

        Assert.Equal("新客户 李四 138 0013 8000", message.Content);
        Assert.Equal("text", message.EventType);
        Assert.Equal("wecom:msg:7300000000000000001", message.DedupeKey);
        // A member's own messages are applied in the order they wrote them.
        Assert.Equal("member:" + message.Envelope.FromUserName, message.OrderingKey);
    }

    [Fact]
    public void Unknown_authentic_event_is_kept_as_other_with_a_dedupe_key()
    {
        var message = WeComCallbackXml.Parse(Event("enter_agent", null, "<EventKey><![CDATA[]]></EventKey>", from: "zhangsan"));

        Assert.IsType<WeComOtherCallback>(message);
        Assert.Equal("enter_agent", message.EventType);
        Assert.Equal("wecom:evt:zhangsan|1700000000|enter_agent|", message.DedupeKey);
    }

    [Fact]
    public void Overlong_ids_give_a_key_that_fits_the_inbox_column()
    {
        var message = WeComCallbackXml.Parse(Contact("add_external_contact", external: new string('x', 300)));

        Assert.True(message.DedupeKey.Length <= WeComCallbackMessage.MaxDedupeKeyLength);
        Assert.True(message.OrderingKey!.Length <= WeComCallbackMessage.MaxOrderingKeyLength);
        Assert.NotEqual(message.DedupeKey, WeComCallbackXml.Parse(Contact("add_external_contact", external: new string('y', 300))).DedupeKey);
    }

    [Fact]
    public void Xml_with_an_external_entity_is_refused_without_reading_the_file()
    {
        var secretFile = Path.GetTempFileName();
        File.WriteAllText(secretFile, "TOP-SECRET-FILE-CONTENT");
        try
        {
            var xml = $"<?xml version=\"1.0\"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM \"file://{secretFile}\">]>" +
                "<xml><FromUserName>&xxe;</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&xxe;</Content></xml>";

            var error = Assert.Throws<CallbackCryptoException>(() => WeComCallbackXml.Parse(xml));

            Assert.Equal(CallbackCryptoError.ParseError, error.Error);
            Assert.DoesNotContain("TOP-SECRET", error.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(secretFile);
        }
    }

    public static TheoryData<string, string> Unacceptable() => new()
    {
        { "entity expansion", "<!DOCTYPE xml [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><xml><Content>&b;</Content></xml>" },
        { "not XML", "hello" },
        { "unclosed", "<xml><FromUserName>zhangsan</FromUserName>" },
        { "wrong root", "<message><FromUserName>a</FromUserName><CreateTime>1</CreateTime><MsgType>text</MsgType></message>" },
        { "no MsgType", "<xml><FromUserName>a</FromUserName><CreateTime>1</CreateTime></xml>" },
        { "no CreateTime", "<xml><FromUserName>a</FromUserName><MsgType>text</MsgType></xml>" },
        { "CreateTime not a number", "<xml><FromUserName>a</FromUserName><CreateTime>soon</CreateTime><MsgType>text</MsgType></xml>" },
    };

    [Theory]
    [MemberData(nameof(Unacceptable))]
    public void Malformed_or_dangerous_xml_is_a_parse_error(string why, string xml)
    {
        var error = Assert.Throws<CallbackCryptoException>(() => WeComCallbackXml.Parse(xml));

        Assert.True(error.Error == CallbackCryptoError.ParseError, why);
        Assert.Equal(-40002, (int)error.Error);
    }

    [Fact]
    public void Xml_over_the_size_limit_is_a_parse_error()
    {
        var xml = Contact("add_external_contact", $"<State>{new string('s', 2000)}</State>");

        Assert.IsType<WeComExternalContactChanged>(WeComCallbackXml.Parse(xml, maxCharacters: 4000));
        Assert.Equal(CallbackCryptoError.ParseError, Assert.Throws<CallbackCryptoException>(() => WeComCallbackXml.Parse(xml, maxCharacters: 1000)).Error);
    }

    [Fact]
    public void Encrypted_envelope_gives_the_ciphertext_and_refuses_a_body_without_one()
    {
        var envelope = WeComCallbackXml.ReadEncrypted(
            "<xml><ToUserName><![CDATA[wwsandbox0000000001]]></ToUserName><Encrypt><![CDATA[abc+/=]]></Encrypt><AgentID><![CDATA[1000002]]></AgentID></xml>");

        Assert.Equal(new WeComEncryptedEnvelope("wwsandbox0000000001", "abc+/=", "1000002"), envelope);
        Assert.Equal(CallbackCryptoError.ParseError, Assert.Throws<CallbackCryptoException>(
            () => WeComCallbackXml.ReadEncrypted("<xml><ToUserName>ww</ToUserName></xml>")).Error);
    }
}
