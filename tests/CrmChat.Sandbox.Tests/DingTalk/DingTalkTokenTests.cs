using CrmChat.Connectors.Crypto;
using CrmChat.Sandbox.DingTalk;

namespace CrmChat.Sandbox.Tests.DingTalk;

public sealed class DingTalkTokenTests
{
    [Fact]
    public void Default_AesKey_is_a_valid_43_character_key()
    {
        Assert.Equal(32, CallbackCrypto.DecodeKey(DingTalkSandboxDefaults.AesKey).Length);
    }

    [Fact]
    public async Task Token_expires_after_7200_seconds_of_sandbox_time_on_both_api_styles()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.AddUser("u1");
        var token = await dt.Token();

        dt.Time.Advance(TimeSpan.FromSeconds(7199));
        DingTalkAssert.ErrCode(0, await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u1" }));
        var (okStatus, _) = await dt.Api(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend", token, OtoText("u1"));
        Assert.Equal(200, okStatus);

        dt.Time.Advance(TimeSpan.FromSeconds(1));
        var legacy = await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u1" });
        DingTalkAssert.ErrCode(88, legacy);
        Assert.Equal("40014", (string)legacy["sub_code"]!);
        var (status, v1) = await dt.Api(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend", token, OtoText("u1"));
        Assert.Equal(400, status);
        Assert.Equal("InvalidAuthentication", (string)v1["code"]!);
        Assert.False(string.IsNullOrEmpty((string?)v1["requestid"]));

        var fresh = await dt.Token();
        Assert.NotEqual(token, fresh);
        DingTalkAssert.ErrCode(0, await dt.Oapi($"topapi/v2/user/get?access_token={fresh}", new { userid = "u1" }));
    }

    [Fact]
    public async Task Legacy_gettoken_gives_the_same_token_and_driver_expiry_refuses_it()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        var token = await dt.Token();
        var legacy = (await dt.Client.GetFromJsonAsync<JsonObject>(
            $"{DingTalkSandboxDefaults.OapiPath}gettoken?appkey={DingTalkSandboxDefaults.AppKey}&appsecret={DingTalkSandboxDefaults.AppSecret}"))!;
        DingTalkAssert.ErrCode(0, legacy);
        Assert.Equal(token, (string)legacy["access_token"]!);
        Assert.Equal(7200, (int)legacy["expires_in"]!);

        await dt.Driver("tokens/expire", new { });

        var (status, body) = await dt.Api(HttpMethod.Get, "v1.0/workflow/processInstances?processInstanceId=x", token);
        Assert.Equal(400, status);
        Assert.Equal("InvalidAuthentication", (string)body["code"]!);
    }

    [Fact]
    public async Task Bad_key_or_secret_and_missing_token_get_dingtalks_errors()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        var (status, body) = await dt.Api(HttpMethod.Post, "v1.0/oauth2/accessToken", null, new { appKey = DingTalkSandboxDefaults.AppKey, appSecret = "wrong" });
        Assert.Equal(400, status);
        Assert.Equal("invalidClientIdOrSecret", (string)body["code"]!);

        var legacy = (await dt.Client.GetFromJsonAsync<JsonObject>($"{DingTalkSandboxDefaults.OapiPath}gettoken?appkey=other&appsecret=x"))!;
        DingTalkAssert.ErrCode(40096, legacy);

        var (missingStatus, missing) = await dt.Api(HttpMethod.Get, "v1.0/workflow/processInstances?processInstanceId=x", null);
        Assert.Equal(400, missingStatus);
        Assert.Equal("AuthenticationFailed.MissingParameter", (string)missing["code"]!);
        var blank = await dt.Oapi("topapi/v2/user/get", new { userid = "u1" });
        DingTalkAssert.ErrCode(88, blank);
        Assert.Equal("40000", (string)blank["sub_code"]!);
    }

    [Fact]
    public async Task Injected_qps_faults_answer_the_next_calls_in_each_api_style_then_recover()
    {
        await using var dt = await DingTalkHttp.StartAsync();
        await dt.AddUser("u1");
        var token = await dt.Token();
        await dt.Driver("faults", new { api = "v1.0/robot/oToMessages/batchSend", count = 1 });
        await dt.Driver("faults", new { api = "topapi/v2/user/get", errcode = 90018, count = 2 });

        var (status, body) = await dt.Api(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend", token, OtoText("u1"));
        Assert.Equal(403, status);
        Assert.Equal("Forbidden.AccessDenied.QpsLimitForAppkeyAndApi", (string)body["code"]!);
        Assert.Equal(200, (await dt.Api(HttpMethod.Post, "v1.0/robot/oToMessages/batchSend", token, OtoText("u1"))).Status);

        DingTalkAssert.ErrCode(90018, await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u1" }));
        DingTalkAssert.ErrCode(90018, await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u1" }));
        DingTalkAssert.ErrCode(0, await dt.Oapi($"topapi/v2/user/get?access_token={token}", new { userid = "u1" }));
        Assert.Single(dt.Sandbox.PersonMessages("u1"));
    }

    internal static object OtoText(params string[] userIds) => new
    {
        robotCode = DingTalkSandboxDefaults.RobotCode, userIds, msgKey = "sampleText", msgParam = """{"content":"跟进提醒"}""",
    };
}
