using System.Text;
using CrmChat.Connectors.DingTalk;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.Connectors.Tests.DingTalk;

public sealed class DingTalkRobotInboundTests
{
    private const string Secret = "app-secret-for-robot";
    private static readonly DateTimeOffset Now = DateTimeOffset.FromUnixTimeMilliseconds(1735689600000);

    private const string GroupMessage = """
        {"conversationId":"cid123==","atUsers":[{"dingtalkId":"$:LWCP_v1:$robot"},{"dingtalkId":"$:LWCP_v1:$x","staffId":"rep2"}],
         "chatbotCorpId":"dingcorp","chatbotUserId":"$:LWCP_v1:$robot","msgId":"msgABC","senderNick":"张三","isAdmin":false,
         "senderStaffId":"rep1","sessionWebhookExpiredTime":1735695000000,"createAt":1735689599000,"senderCorpId":"dingcorp",
         "conversationType":"2","senderId":"$:LWCP_v1:$sender","conversationTitle":"华东销售群","isInAtList":true,
         "sessionWebhook":"https://oapi.dingtalk.com/robot/sendBySession?session=abc","text":{"content":" 添加客户 李四"},
         "robotCode":"dingrobot","msgtype":"text"}
        """;

    private static DingTalkRobotReceiver Receiver(int max = 1024 * 1024) => new(Secret, max, new FakeTimeProvider(Now));

    [Fact]
    public void A_signed_group_message_parses_into_its_fields()
    {
        var ts = Now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var m = Receiver().Receive(ts, DingTalkRobotSign.Compute(Secret, ts), Encoding.UTF8.GetBytes(GroupMessage));

        Assert.Equal("dingtalk:msg:msgABC", m.DedupeKey);
        Assert.Equal("text", m.MsgType);
        Assert.Equal("添加客户 李四", m.Text);
        Assert.True(m.IsGroup);
        Assert.True(m.IsInAtList);
        Assert.Equal(("cid123==", "华东销售群", "rep1", "张三"), (m.ConversationId, m.ConversationTitle, m.SenderStaffId, m.SenderNick));
        Assert.Equal(new DingTalkAtUser("$:LWCP_v1:$x", "rep2"), m.AtUsers[1]);
        Assert.Equal(new Uri("https://oapi.dingtalk.com/robot/sendBySession?session=abc"), m.SessionWebhook);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1735695000000), m.SessionWebhookExpiresAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1735689599000), m.CreateAt);
        Assert.Equal("dingrobot", m.RobotCode);
        Assert.True(m.CanReplyBySession(Now));
        Assert.False(m.CanReplyBySession(DateTimeOffset.FromUnixTimeMilliseconds(1735695000000)));
    }

    [Fact]
    public void A_wrong_sign_is_401()
    {
        var ts = Now.ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var e = Assert.Throws<DingTalkInboundException>(() =>
            Receiver().Receive(ts, DingTalkRobotSign.Compute("another secret", ts), Encoding.UTF8.GetBytes(GroupMessage)));

        Assert.Equal(401, e.StatusCode);
    }

    [Fact]
    public void A_replayed_message_older_than_an_hour_is_401()
    {
        var ts = Now.AddMinutes(-61).ToUnixTimeMilliseconds().ToString(System.Globalization.CultureInfo.InvariantCulture);

        var e = Assert.Throws<DingTalkInboundException>(() =>
            Receiver().Receive(ts, DingTalkRobotSign.Compute(Secret, ts), Encoding.UTF8.GetBytes(GroupMessage)));

        Assert.Equal(DingTalkInboundError.BadSignature, e.Error);
        Assert.Contains("hour", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"msgtype\":\"text\"}")]
    [InlineData("not json")]
    [InlineData("[]")]
    public void Bodies_without_a_msg_id_or_not_json_are_400(string body)
    {
        var e = Assert.Throws<DingTalkInboundException>(() => DingTalkRobotInboundMessage.Parse(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(400, e.StatusCode);
    }

    [Fact]
    public void An_oversized_body_is_413_before_the_sign_is_checked()
    {
        var e = Assert.Throws<DingTalkInboundException>(() => Receiver(max: 100).Receive(null, null, Encoding.UTF8.GetBytes(GroupMessage)));

        Assert.Equal(413, e.StatusCode);
    }
}
