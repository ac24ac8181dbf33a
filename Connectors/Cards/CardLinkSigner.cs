using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.Cards;

/// <summary>
/// Cards configuration (section <c>Cards</c>).
/// </summary>
public sealed class CardOptions
{
    public const string Section = "Cards";
    public const int MinSecretBytes = 32;

    /// <summary>
    /// HMAC-SHA256 key for card links: at least 32 bytes of UTF-8, random (e.g.
    /// <c>openssl rand -base64 48</c>), the same on every instance and kept across restarts and
    /// deployments: links already sent in chats stop working when it changes. There is no
    /// generated fallback, not even in Development, because such links would die with the process.
    /// </summary>
    public string LinkSecret { get; set; } = "";

    /// <summary>Where CrmChat is reachable from the chat apps; links point to {PublicBaseUrl}/cards/act.</summary>
    public Uri? PublicBaseUrl { get; set; }

    /// <summary>How long a card's links work when the caller names no expiry.</summary>
    public TimeSpan LinkLifetime { get; set; } = TimeSpan.FromHours(72);
}

public sealed class CardOptionsValidator : IValidateOptions<CardOptions>
{
    public ValidateOptionsResult Validate(string? name, CardOptions options)
    {
        var failures = new List<string>();
        if (options.LinkSecret.StartsWith("(set ", StringComparison.Ordinal))
        {
            failures.Add("Cards:LinkSecret is still the placeholder from appsettings.Production.example.json: " +
                "set Cards__LinkSecret in the environment (e.g. `openssl rand -base64 48`).");
        }
        else if (Encoding.UTF8.GetByteCount(options.LinkSecret) < CardOptions.MinSecretBytes)
        {
            failures.Add($"Cards:LinkSecret must be at least {CardOptions.MinSecretBytes} bytes (e.g. `openssl rand -base64 48`), " +
                "the same on every instance and kept across restarts: card links sent to chats are signed with it.");
        }
        if (options.PublicBaseUrl is not { IsAbsoluteUri: true } url || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            failures.Add("Cards:PublicBaseUrl must be the absolute http(s) URL the chat apps reach CrmChat at, e.g. https://crm.example.com/.");
        }
        if (options.LinkLifetime <= TimeSpan.Zero || options.LinkLifetime > TimeSpan.FromDays(30))
        {
            failures.Add("Cards:LinkLifetime must be between 00:00:01 and 30.00:00:00.");
        }
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}

/// <summary>What a signed link claims: this employee may do this action on this card until then.</summary>
public sealed record CardLinkClaim(string CardId, string Action, string EmployeeId, DateTimeOffset ExpiresAt);

public enum CardLinkVerdict
{
    Valid,
    /// <summary>A parameter is missing or unreadable.</summary>
    Malformed,
    /// <summary>The signature does not match: the link was changed or signed with another key.</summary>
    Tampered,
    Expired,
    /// <summary>Authentic, but for another employee than the one who opened it.</summary>
    OtherEmployee,
}

public sealed record CardLinkCheck(CardLinkVerdict Verdict, CardLinkClaim? Claim)
{
    public bool IsValid => Verdict == CardLinkVerdict.Valid;

    /// <summary>What to tell the person who opened the link, in Chinese and English.</summary>
    public string Message => Verdict switch
    {
        CardLinkVerdict.Valid => "",
        CardLinkVerdict.Expired => "链接已过期，请在聊天中重新发送命令。This link has expired; send the command again in the chat.",
        CardLinkVerdict.OtherEmployee => "这个按钮是发给其他同事的。This button was sent to a colleague, not to you.",
        _ => "链接无效，请使用聊天中的原始按钮。This link is not valid; use the button in the chat.",
    };
}

/// <summary>
/// Signs and checks card links (<c>/cards/act?card=&amp;action=&amp;emp=&amp;exp=&amp;sig=</c>) for
/// platforms whose buttons can only open URLs (DingTalk actionCard, WeCom robot cards). The
/// signature is HMAC-SHA256 over the card id, action, employee id and expiry, so a link works
/// only as sent, only until it expires, and only for that employee.
/// </summary>
public sealed class CardLinkSigner
{
    public const string ActPath = "cards/act";

    private readonly byte[] _key;
    private readonly CardOptions _options;
    private readonly TimeProvider _time;

    public CardLinkSigner(IOptions<CardOptions> options, TimeProvider time)
    {
        _options = options.Value;
        var failure = new CardOptionsValidator().Validate(null, _options);
        if (failure.Failed)
        {
            throw new OptionsValidationException(CardOptions.Section, typeof(CardOptions), failure.Failures);
        }
        _key = Encoding.UTF8.GetBytes(_options.LinkSecret);
        _time = time;
    }

    public DateTimeOffset DefaultExpiry() => _time.GetUtcNow() + _options.LinkLifetime;

    public Uri CreateLink(string cardId, string action, string employeeId, DateTimeOffset? expiresAt = null)
    {
        foreach (var (value, name) in new[] { (cardId, nameof(cardId)), (action, nameof(action)), (employeeId, nameof(employeeId)) })
        {
            if (string.IsNullOrEmpty(value) || value.Contains('\n', StringComparison.Ordinal))
            {
                throw new ArgumentException($"A card link needs a non-empty {name} without line breaks.", name);
            }
        }
        var expiry = (expiresAt ?? DefaultExpiry()).ToUnixTimeSeconds();
        var query = new Dictionary<string, string?>
        {
            ["card"] = cardId,
            ["action"] = action,
            ["emp"] = employeeId,
            ["exp"] = expiry.ToString(CultureInfo.InvariantCulture),
            ["sig"] = WebEncoders.Base64UrlEncode(Sign(cardId, action, employeeId, expiry)),
        };
        return new Uri(QueryHelpers.AddQueryString(new Uri(_options.PublicBaseUrl!, ActPath).ToString(), query));
    }

    /// <summary>
    /// Checks a link's query parameters. <paramref name="actingEmployeeId"/> is who the endpoint
    /// knows opened it (null when it cannot tell; the signed employee is then the actor).
    /// Order: malformed, tampered, expired, other employee, so a forged link never learns more.
    /// </summary>
    public CardLinkCheck Verify(string? cardId, string? action, string? employeeId, string? expiry, string? signature, string? actingEmployeeId = null)
    {
        if (string.IsNullOrEmpty(cardId) || string.IsNullOrEmpty(action) || string.IsNullOrEmpty(employeeId)
            || !long.TryParse(expiry, NumberStyles.None, CultureInfo.InvariantCulture, out var expirySeconds)
            || expirySeconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()
            || string.IsNullOrEmpty(signature) || !TryDecode(signature, out var given))
        {
            return new(CardLinkVerdict.Malformed, null);
        }
        var expected = Sign(cardId, action, employeeId, expirySeconds);
        if (!CryptographicOperations.FixedTimeEquals(expected, given))
        {
            return new(CardLinkVerdict.Tampered, null);
        }
        var claim = new CardLinkClaim(cardId, action, employeeId, DateTimeOffset.FromUnixTimeSeconds(expirySeconds));
        if (_time.GetUtcNow() >= claim.ExpiresAt)
        {
            return new(CardLinkVerdict.Expired, claim);
        }
        if (actingEmployeeId is not null && !string.Equals(actingEmployeeId, employeeId, StringComparison.Ordinal))
        {
            return new(CardLinkVerdict.OtherEmployee, claim);
        }
        return new(CardLinkVerdict.Valid, claim);
    }

    /// <summary>Checks a whole link as <see cref="CreateLink"/> made it.</summary>
    public CardLinkCheck Verify(Uri link, string? actingEmployeeId = null)
    {
        var q = QueryHelpers.ParseQuery(link.Query);
        string? One(string name) => q.TryGetValue(name, out var v) && v.Count == 1 ? v[0] : null;
        return Verify(One("card"), One("action"), One("emp"), One("exp"), One("sig"), actingEmployeeId);
    }

    private byte[] Sign(string cardId, string action, string employeeId, long expiry)
    {
        // Version prefix and line-separated fields (none may contain a line break): one
        // encoding per claim, so no two claims share a signature.
        var payload = $"crmchat-card-link-v1\n{cardId}\n{action}\n{employeeId}\n{expiry.ToString(CultureInfo.InvariantCulture)}";
        return HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(payload));
    }

    private static bool TryDecode(string signature, out byte[] bytes)
    {
        try
        {
            bytes = WebEncoders.Base64UrlDecode(signature);
            return bytes.Length == HMACSHA256.HashSizeInBytes;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
