using System.Net;
using System.Security.Cryptography;
using System.Text;
using CrmChat.Bots.Inbox;
using CrmChat.Connectors.Cards;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CrmChat.Bots.Conversations;

/// <summary>
/// <c>/cards/act</c>: where a card button that can only open a URL (DingTalk action cards, WeCom
/// group robot cards) leads. GET shows what the button will do and a confirm button, so a link
/// preview or a browser's prefetch never acts; POST checks the signature, expiry and employee
/// and stores the click in the inbox, where it is handled like a WeCom button click. A link
/// works once: a second use is stored nowhere and says so.
/// </summary>
internal static partial class CardLinkApi
{
    public static IEndpointRouteBuilder MapCardLinks(this IEndpointRouteBuilder app)
    {
        app.MapGet("/" + CardLinkSigner.ActPath, Show).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/" + CardLinkSigner.ActPath, ActAsync).AllowAnonymous().DisableAntiforgery().ExcludeFromDescription();
        return app;
    }

    private static ContentHttpResult Show(HttpContext http, CardLinkSigner signer)
    {
        var (check, _) = Check(http, signer);
        if (!check.IsValid)
        {
            return Page(StatusFor(check.Verdict), "无法执行 Cannot do this", check.Message);
        }
        var what = DescribeAction(check.Claim!.Action);
        var reason = Verb(check.Claim.Action) == ApprovalVerbs.Reject
            ? "<p><label>驳回理由 Reason<br><textarea name=\"reason\" rows=\"4\" style=\"width:100%\" maxlength=\"1000\"></textarea></label></p>"
            : "";
        var form = $"<form method=\"post\" action=\"{WebUtility.HtmlEncode(http.Request.Path + http.Request.QueryString)}\">{reason}" +
            $"<button type=\"submit\" style=\"font-size:1.2em;padding:.6em 2em\">确认 Confirm</button></form>";
        return Page(StatusCodes.Status200OK, what, "点击确认后执行，结果会发到聊天中。Confirm to do it; the result comes to your chat.", form);
    }

    private static async Task<ContentHttpResult> ActAsync(HttpContext http, CardLinkSigner signer, InboxWriter inbox, InboxSignal signal, TimeProvider clock, ILoggerFactory loggers)
    {
        var (check, platform) = Check(http, signer);
        var logger = loggers.CreateLogger("CrmChat.Bots.CardLinks");
        if (!check.IsValid)
        {
            LogRefused(logger, check.Verdict);
            return Page(StatusFor(check.Verdict), "无法执行 Cannot do this", check.Message);
        }
        var claim = check.Claim!;
        var reason = http.Request.HasFormContentType ? (await http.Request.ReadFormAsync(http.RequestAborted))["reason"].ToString() : "";
        var click = new CardLinkClick(claim.CardId, claim.Action, claim.EmployeeId, clock.GetUtcNow())
        {
            Reason = string.IsNullOrWhiteSpace(reason) ? null : reason.Trim()[..Math.Min(reason.Trim().Length, 1000)],
        };
        var stored = await inbox.AppendAsync(platform!.Value, CardLinkClick.EventType, DedupeKey(claim), "member:" + claim.EmployeeId,
            click.ToJson(), http.RequestAborted);
        if (stored == InboxAppendResult.Duplicate)
        {
            LogUsedTwice(logger, claim.CardId);
            return Page(StatusCodes.Status409Conflict, "已经处理过 Already done",
                "这个按钮已经用过了，没有重复执行。This button was already used; nothing was done again.");
        }
        signal.Notify();
        return Page(StatusCodes.Status200OK, "已收到 Received", "正在处理，结果会发到聊天中，可以关闭此页。Done — the result comes to your chat; you can close this page.");
    }

    private static (CardLinkCheck Check, CrmCore.Platform? Platform) Check(HttpContext http, CardLinkSigner signer)
    {
        var q = http.Request.Query;
        string? One(string name) => q.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;
        var check = signer.Verify(One("card"), One("action"), One("emp"), One("exp"), One("sig"));
        var platform = check.Claim is { } claim ? ChatCardId.PlatformOf(claim.CardId) : null;
        if (check.IsValid && (platform is null || CardActionKey.Parse(check.Claim!.Action) is null))
        {
            // Signed by us but not a card CrmChat makes: refuse rather than guess.
            return (new CardLinkCheck(CardLinkVerdict.Malformed, null), null);
        }
        return (check, platform);
    }

    private static string DedupeKey(CardLinkClaim claim)
    {
        var key = $"card:{claim.CardId}:{claim.Action}";
        return key.Length <= 256 ? key : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
    }

    private static string? Verb(string action) => CardActionKey.Parse(action)?[CrmChat.CrmCore.Cards.SubmitAction.VerbKey];

    private static string DescribeAction(string action) => Verb(action) switch
    {
        ApprovalVerbs.Approve => "同意这份合同？Approve this contract?",
        ApprovalVerbs.Reject => "驳回这份合同？Reject this contract?",
        ApprovalVerbs.Withdraw => "撤回这份审批？Withdraw this approval?",
        CardVerbs.FollowUpDone => "完成这条跟进？Mark this follow-up done?",
        CardVerbs.FollowUpSnooze => "推迟这条跟进？Snooze this follow-up?",
        CardVerbs.Pick => "选择这位客户？Pick this customer?",
        _ => "执行这个操作？Do this?",
    };

    private static int StatusFor(CardLinkVerdict verdict) => verdict switch
    {
        CardLinkVerdict.Expired => StatusCodes.Status410Gone,
        CardLinkVerdict.Tampered or CardLinkVerdict.OtherEmployee => StatusCodes.Status403Forbidden,
        _ => StatusCodes.Status400BadRequest,
    };

    private static ContentHttpResult Page(int status, string title, string text, string extra = "")
    {
        var html = $"""
            <!doctype html><html lang="zh"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
            <title>CrmChat</title></head><body style="font-family:sans-serif;max-width:32em;margin:2em auto;padding:0 1em">
            <h2>{WebUtility.HtmlEncode(title)}</h2><p>{WebUtility.HtmlEncode(text)}</p>{extra}</body></html>
            """;
        return TypedResults.Content(html, "text/html; charset=utf-8", Encoding.UTF8, status);
    }

    [LoggerMessage(LogLevel.Warning, "Card link refused: {Verdict}")]
    private static partial void LogRefused(ILogger logger, CardLinkVerdict verdict);

    [LoggerMessage(LogLevel.Information, "Card link for card {CardId} used again; nothing done")]
    private static partial void LogUsedTwice(ILogger logger, string cardId);
}
