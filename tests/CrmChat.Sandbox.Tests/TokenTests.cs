using CrmChat.Connectors.Crypto;
using static CrmChat.Sandbox.Tests.SandboxHttp;

namespace CrmChat.Sandbox.Tests;

public sealed class TokenTests
{
    [Fact]
    public void Default_EncodingAESKey_is_a_valid_43_character_key()
    {
        Assert.Equal(32, CallbackCrypto.DecodeKey(SandboxDefaults.EncodingAESKey).Length);
    }

    [Fact]
    public async Task Token_expires_after_7200_seconds_of_sandbox_time_and_a_new_one_works()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.ContactToken();

        sandbox.Time.Advance(TimeSpan.FromSeconds(7199));
        JsonAssert.ErrCode(84061, await sandbox.Get(Api("externalcontact/list", token, "&userid=rep1")));
        sandbox.Time.Advance(TimeSpan.FromSeconds(1));
        JsonAssert.ErrCode(42001, await sandbox.Get(Api("externalcontact/list", token, "&userid=rep1")));

        var fresh = await sandbox.ContactToken();
        Assert.NotEqual(token, fresh);
        JsonAssert.ErrCode(84061, await sandbox.Get(Api("externalcontact/list", fresh, "&userid=rep1")));
    }

    [Fact]
    public async Task Gettoken_within_the_lifetime_returns_the_same_token_with_the_time_left()
    {
        await using var sandbox = await StartAsync();
        var first = await sandbox.AppToken();
        sandbox.Time.Advance(TimeSpan.FromSeconds(200));
        var again = await sandbox.Get($"{SandboxDefaults.WeComApiPath}gettoken?corpid={SandboxDefaults.CorpId}&corpsecret={SandboxDefaults.Secret}");
        Assert.Equal(first, (string)again["access_token"]!);
        Assert.Equal(7000, (int)again["expires_in"]!);
    }

    [Fact]
    public async Task Driver_expiry_makes_every_token_answer_42001()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var token = await sandbox.ContactToken();
        await sandbox.Driver("tokens/expire", new { });
        JsonAssert.ErrCode(42001, await sandbox.Get(Api("externalcontact/list", token, "&userid=rep1")));
    }

    [Fact]
    public async Task Bad_corpid_bad_secret_and_unknown_token_get_the_platform_errcodes()
    {
        await using var sandbox = await StartAsync();
        JsonAssert.ErrCode(40013, await sandbox.Get($"{SandboxDefaults.WeComApiPath}gettoken?corpid=wwother&corpsecret={SandboxDefaults.Secret}"));
        JsonAssert.ErrCode(40001, await sandbox.Get($"{SandboxDefaults.WeComApiPath}gettoken?corpid={SandboxDefaults.CorpId}&corpsecret=wrong"));
        JsonAssert.ErrCode(41001, await sandbox.Get($"{SandboxDefaults.WeComApiPath}externalcontact/list?userid=rep1"));
        JsonAssert.ErrCode(40014, await sandbox.Get(Api("externalcontact/list", "forged", "&userid=rep1")));
    }

    [Fact]
    public async Task App_and_contact_secrets_give_separate_tokens_that_only_open_their_own_apis()
    {
        await using var sandbox = await StartAsync();
        sandbox.Server.WeCom.AddMember("rep1");
        var app = await sandbox.AppToken();
        var contact = await sandbox.ContactToken();
        Assert.NotEqual(app, contact);

        JsonAssert.ErrCode(48002, await sandbox.Get(Api("externalcontact/list", app, "&userid=rep1")));
        var text = new { touser = "rep1", msgtype = "text", agentid = SandboxDefaults.AgentId, text = new { content = "hi" } };
        JsonAssert.ErrCode(48002, await sandbox.Post(Api("message/send", contact), text));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", app), text));
    }

    [Fact]
    public async Task Injected_fault_answers_the_next_calls_then_the_api_recovers()
    {
        await using var sandbox = await StartAsync();
        var token = await sandbox.AppToken();
        sandbox.Server.WeCom.AddMember("rep1");
        await sandbox.Driver("faults", new { api = "message/send", errcode = 45033, count = 2 });
        var text = new { touser = "rep1", msgtype = "text", agentid = SandboxDefaults.AgentId, text = new { content = "hi" } };

        JsonAssert.ErrCode(45033, await sandbox.Post(Api("message/send", token), text));
        JsonAssert.ErrCode(45033, await sandbox.Post(Api("message/send", token), text));
        JsonAssert.ErrCode(0, await sandbox.Post(Api("message/send", token), text));
        Assert.Single(sandbox.Server.WeCom.AppMessages("rep1"));
    }
}
