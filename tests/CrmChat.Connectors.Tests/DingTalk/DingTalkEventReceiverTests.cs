using System.Text;
using System.Text.Json;
using CrmChat.Connectors.Crypto;
using CrmChat.Connectors.DingTalk;
using CrmChat.Connectors.Tests.Crypto;

namespace CrmChat.Connectors.Tests.DingTalk;

/// <summary>
/// DingTalk's event subscription against WeCom's official @wecom/crypto package (the same
/// scheme, keyed by the appKey), both ways, and the receiver's refusals.
/// </summary>
public sealed class DingTalkEventReceiverTests(OfficialWeComCrypto official) : IClassFixture<OfficialWeComCrypto>
{
    private const string AesKey = "DingTalkTestAesKey0123456789abcdefghijklmnE";
    private const string Token = "dingTalkToken123";
    private const string AppKey = "dingappkey0001";
    private const string Timestamp = "1735689600000";
    private const string Nonce = "n0nce42";

    private static DingTalkEventReceiver Receiver(string keyId = AppKey, int maxBodyBytes = 1024 * 1024) =>
        new(new DingTalkOptions { Token = Token, AesKey = AesKey, AppKey = AppKey, KeyId = keyId == AppKey ? "" : keyId, MaxBodyBytes = maxBodyBytes });

    private async Task<(DingTalkEventQuery Query, string Body)> OfficialSealAsync(string json, string keyId = AppKey)
    {
        var (encrypt, signature) = await official.SealAsync(AesKey, Token, keyId, json, Timestamp, Nonce);
        return (new DingTalkEventQuery(signature, Timestamp, Nonce), JsonSerializer.Serialize(new { encrypt }));
    }

    [Fact]
    public async Task An_event_the_official_package_seals_for_the_app_key_opens_and_parses()
    {
        const string json = """{"EventType":"user_add_org","TimeStamp":"1735689600123","UserId":["u1","u2"],"CorpId":"dingcorp","EventId":"ev-1"}""";
        var (query, body) = await OfficialSealAsync(json);

        var e = Receiver().Open(query, body);

        Assert.Equal(DingTalkEventKind.UserAddOrg, e.Kind);
        Assert.Equal(["u1", "u2"], e.UserIds);
        Assert.Equal("dingcorp", e.CorpId);
        Assert.Equal(1735689600123, e.TimeStamp);
        Assert.Equal("dingtalk:event:ev-1", e.DedupeKey);
        Assert.Equal(json, e.RawJson);
    }

    [Theory]
    [InlineData("你好")]
    [InlineData("{\"EventType\":\"check_url\"}")]
    [InlineData("success")]
    public async Task What_we_seal_the_official_package_opens_with_a_valid_signature(string message)
    {
        var crypto = new CallbackCrypto(Token, AesKey, AppKey);
        var (encrypted, signature) = crypto.Seal(message, Timestamp, Nonce);

        var opened = await official.OpenAsync(AesKey, Token, encrypted, Timestamp, Nonce, signature);

        Assert.True(opened.SignatureValid);
        Assert.Equal(message, opened.Message);
        Assert.Equal(AppKey, opened.ReceiverId);
    }

    [Fact]
    public async Task The_success_reply_opens_in_the_official_package_as_success_for_the_app_key()
    {
        var reply = Receiver().SealSuccess("1735689600999", "abc123");

        var opened = await official.OpenAsync(AesKey, Token, reply.Encrypt, reply.TimeStamp, reply.Nonce, reply.MsgSignature);

        Assert.True(opened.SignatureValid);
        Assert.Equal("success", opened.Message);
        Assert.Equal(AppKey, opened.ReceiverId);
        using var json = JsonDocument.Parse(reply.ToJson());
        Assert.Equal(["msg_signature", "timeStamp", "nonce", "encrypt"], json.RootElement.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Query_spellings_signature_and_timeStamp_are_accepted()
    {
        var (query, body) = await OfficialSealAsync("""{"EventType":"check_url"}""");
        var names = new Dictionary<string, string> { ["signature"] = query.Signature!, ["timeStamp"] = query.Timestamp!, ["nonce"] = query.Nonce! };

        var e = Receiver().Open(DingTalkEventQuery.From(n => names.GetValueOrDefault(n)), body);

        Assert.Equal(DingTalkEventKind.CheckUrl, e.Kind);
        Assert.StartsWith("dingtalk:event:sha256:", e.DedupeKey, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_configured_corp_id_is_the_key_id_and_the_app_key_then_is_refused()
    {
        var (query, body) = await OfficialSealAsync("""{"EventType":"check_url"}""", keyId: "dingcorp");

        Assert.Equal(DingTalkEventKind.CheckUrl, Receiver(keyId: "dingcorp").Open(query, body).Kind);
        var e = Assert.Throws<DingTalkInboundException>(() => Receiver().Open(query, body));
        Assert.Equal(DingTalkInboundError.WrongKeyId, e.Error);
        Assert.Equal(401, e.StatusCode);
    }

    [Fact]
    public async Task A_bad_signature_is_401_and_names_no_payload()
    {
        var (query, body) = await OfficialSealAsync("""{"EventType":"user_leave_org","UserId":["secret-user"]}""");

        var e = Assert.Throws<DingTalkInboundException>(() => Receiver().Open(query with { Nonce = "other" }, body));

        Assert.Equal(DingTalkInboundError.BadSignature, e.Error);
        Assert.Equal(401, e.StatusCode);
        Assert.DoesNotContain("secret-user", e.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("not json", DingTalkInboundError.Malformed)]
    [InlineData("[1,2]", DingTalkInboundError.Malformed)]
    [InlineData("{\"encrypt\":42}", DingTalkInboundError.Malformed)]
    [InlineData("{}", DingTalkInboundError.Malformed)]
    public void Malformed_bodies_are_400(string body, DingTalkInboundError expected)
    {
        var e = Assert.Throws<DingTalkInboundException>(() => Receiver().Open(new DingTalkEventQuery("s", Timestamp, Nonce), body));

        Assert.Equal(expected, e.Error);
        Assert.Equal(400, e.StatusCode);
    }

    [Fact]
    public void A_correctly_signed_ciphertext_that_does_not_decrypt_is_400()
    {
        const string encrypt = "bm90IGEgcmVhbCBjaXBoZXJ0ZXh0IGF0IGFsbA==";
        var signature = CallbackCrypto.Sign(Token, Timestamp, Nonce, encrypt);

        var e = Assert.Throws<DingTalkInboundException>(() =>
            Receiver().Open(new DingTalkEventQuery(signature, Timestamp, Nonce), JsonSerializer.Serialize(new { encrypt })));

        Assert.Equal(DingTalkInboundError.Undecryptable, e.Error);
        Assert.Equal(400, e.StatusCode);
    }

    [Fact]
    public async Task Decrypted_text_that_is_not_a_json_object_is_400()
    {
        var (query, body) = await OfficialSealAsync("success");

        var e = Assert.Throws<DingTalkInboundException>(() => Receiver().Open(query, body));

        Assert.Equal(DingTalkInboundError.Malformed, e.Error);
    }

    [Fact]
    public void A_body_over_the_limit_is_413()
    {
        var body = Encoding.UTF8.GetBytes("{\"encrypt\":\"" + new string('A', 2000) + "\"}");

        var e = Assert.Throws<DingTalkInboundException>(() => Receiver(maxBodyBytes: 1000).Open(new DingTalkEventQuery("s", Timestamp, Nonce), body));

        Assert.Equal(413, e.StatusCode);
    }

    [Fact]
    public async Task Approval_events_are_parsed_whatever_the_case_of_their_field_names()
    {
        var (q1, b1) = await OfficialSealAsync("""
            {"EventType":"bpms_instance_change","processInstanceId":"pi-1","processCode":"PROC-1","type":"finish","result":"agree",
             "staffId":"manager1","title":"合同审批","url":"https://aflow.dingtalk.com/x","corpId":"dingcorp","createTime":1735689600000}
            """);
        var (q2, b2) = await OfficialSealAsync("""
            {"eventType":"BPMS_TASK_CHANGE","ProcessInstanceId":"pi-1","TaskId":73241,"Type":"finish","Result":"refuse","StaffId":"manager2"}
            """);

        var instance = Receiver().Open(q1, b1);
        var task = Receiver().Open(q2, b2);

        Assert.Equal(DingTalkEventKind.BpmsInstanceChange, instance.Kind);
        Assert.Equal(new DingTalkApprovalInstanceChange("pi-1", "PROC-1", "finish", "agree", "manager1", "合同审批", "https://aflow.dingtalk.com/x"), instance.Instance);
        Assert.Equal(DingTalkEventKind.BpmsTaskChange, task.Kind);
        Assert.Equal("pi-1", task.Task!.ProcessInstanceId);
        Assert.Equal("73241", task.Task.TaskId);
        Assert.Equal(("finish", "refuse", "manager2"), (task.Task.Type, task.Task.Result, task.Task.StaffId));
    }

    [Fact]
    public async Task The_same_event_without_an_id_dedupes_alike_and_different_events_do_not()
    {
        var (q1, b1) = await OfficialSealAsync("""{"EventType":"user_leave_org","UserId":["u1"],"TimeStamp":"1"}""");
        var (q2, b2) = await OfficialSealAsync("""{"EventType":"user_leave_org","UserId":["u1"],"TimeStamp":"1"}""");
        var (q3, b3) = await OfficialSealAsync("""{"EventType":"user_leave_org","UserId":["u2"],"TimeStamp":"1"}""");

        var first = Receiver().Open(q1, b1);

        Assert.NotEqual(b1, b2);
        Assert.Equal(first.DedupeKey, Receiver().Open(q2, b2).DedupeKey);
        Assert.NotEqual(first.DedupeKey, Receiver().Open(q3, b3).DedupeKey);
        Assert.Equal(DingTalkEventKind.UserLeaveOrg, first.Kind);
    }

    [Fact]
    public async Task An_unknown_authentic_event_opens_as_other_to_be_acknowledged()
    {
        var (query, body) = await OfficialSealAsync("""{"EventType":"org_dept_create","DeptId":[1]}""");

        var e = Receiver().Open(query, body);

        Assert.Equal(DingTalkEventKind.Other, e.Kind);
        Assert.Equal("org_dept_create", e.EventType);
    }
}
