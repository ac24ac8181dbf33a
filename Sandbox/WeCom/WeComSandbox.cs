using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace CrmChat.Sandbox.WeCom;

public enum TokenKind
{
    /// <summary>From the app secret: messages and cards.</summary>
    App,
    /// <summary>From the customer-contact secret: externalcontact/*.</summary>
    Contact,
}

/// <summary>
/// The emulated corp: directory, tags, tokens, limits and what CrmChat sent. All state lives in
/// memory behind one lock; the Sandbox clock is the injected <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class WeComSandbox
{
    private static readonly TimeSpan ResponseCodeLifetime = TimeSpan.FromHours(72);
    private static readonly TimeSpan RateWindow = TimeSpan.FromMinutes(1);
    private const string IdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly WeComSandboxOptions _initial;
    private WeComSandboxOptions _corp;
    private Random _ids = new(1);
    private long _nextMsgId = 7_300_000_000_000_000_001;
    private long _nextDeliveryId = 1;

    private readonly Dictionary<string, (TokenKind Kind, DateTimeOffset ExpiresAt)> _tokens = [];
    private readonly Dictionary<TokenKind, string> _currentToken = [];
    private readonly Dictionary<TokenKind, int> _tokenGrants = [];
    private readonly List<Fault> _faults = [];

    private readonly Dictionary<string, SandboxMember> _members = [];
    private readonly List<string> _memberOrder = [];
    private readonly Dictionary<string, SandboxCustomer> _customers = [];
    private readonly Dictionary<string, List<FollowRelation>> _followsByCustomer = [];
    private readonly Dictionary<string, List<FollowRelation>> _followsByMember = [];
    private readonly List<CorpTagGroup> _tagGroups = [];

    private readonly Dictionary<string, Queue<DateTimeOffset>> _rates = [];
    private readonly Dictionary<string, (DateTimeOffset At, long MsgId, string? ResponseCode)> _recentSends = [];
    private readonly Dictionary<string, SentCard> _cards = [];
    private readonly Dictionary<string, IssuedResponseCode> _responseCodes = [];
    private readonly List<AppMessage> _appMessages = [];
    private readonly List<RobotMessage> _robotMessages = [];
    private readonly List<CardUpdate> _cardUpdates = [];
    private readonly List<CallbackDelivery> _deliveries = [];

    private sealed record Fault(string Api, int ErrCode, int? HttpStatus)
    {
        public int Remaining { get; set; }
    }

    private sealed record SentCard(string TaskId, string CardType, string[] UserIds, string[] ButtonKeys);

    private sealed class IssuedResponseCode(string? taskId, DateTimeOffset issuedAt)
    {
        public string? TaskId { get; } = taskId;
        public DateTimeOffset IssuedAt { get; } = issuedAt;
        public bool Used { get; set; }
    }

    public WeComSandbox(IOptions<WeComSandboxOptions> options, TimeProvider time)
    {
        _time = time;
        _initial = options.Value.Clone();
        _corp = _initial.Clone();
        ResetApprovals();
    }

    public TimeProvider Time => _time;

    private DateTimeOffset Now => _time.GetUtcNow();
    private long UnixNow => Now.ToUnixTimeSeconds();

    /// <summary>A copy of the corp's current settings.</summary>
    public WeComSandboxOptions Corp
    {
        get
        {
            lock (_gate)
            {
                return _corp.Clone();
            }
        }
    }

    public void Configure(Action<WeComSandboxOptions> change)
    {
        lock (_gate)
        {
            var next = _corp.Clone();
            change(next);
            Connectors.Crypto.CallbackCrypto.DecodeKey(next.EncodingAESKey);
            _corp = next;
        }
    }

    /// <summary>Forgets everything and returns to the configured corp.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _corp = _initial.Clone();
            _ids = new Random(1);
            _tokens.Clear();
            _currentToken.Clear();
            _tokenGrants.Clear();
            _faults.Clear();
            _members.Clear();
            _memberOrder.Clear();
            _customers.Clear();
            _followsByCustomer.Clear();
            _followsByMember.Clear();
            _tagGroups.Clear();
            _rates.Clear();
            _recentSends.Clear();
            _cards.Clear();
            _responseCodes.Clear();
            _appMessages.Clear();
            _robotMessages.Clear();
            _cardUpdates.Clear();
            _deliveries.Clear();
            ResetApprovals();
        }
    }

    // ---- tokens -------------------------------------------------------------------------

    public JsonObject GetToken(string? corpId, string? secret)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(corpId))
            {
                return WeComReply.Error(WeComErrors.MissingCorpId, "corpid missing");
            }
            if (string.IsNullOrEmpty(secret))
            {
                return WeComReply.Error(WeComErrors.MissingSecret, "corpsecret missing");
            }
            if (corpId != _corp.CorpId)
            {
                return WeComReply.Error(WeComErrors.InvalidCorpId, "invalid corpid");
            }
            TokenKind kind;
            if (secret == _corp.Secret)
            {
                kind = TokenKind.App;
            }
            else if (secret == _corp.ContactSecret)
            {
                kind = TokenKind.Contact;
            }
            else
            {
                return WeComReply.Error(WeComErrors.InvalidSecret, "invalid credential");
            }

            _tokenGrants[kind] = _tokenGrants.GetValueOrDefault(kind) + 1;
            // Within its lifetime the platform hands out the same token again.
            if (_currentToken.TryGetValue(kind, out var current) && _tokens[current].ExpiresAt > Now)
            {
                var left = (long)Math.Ceiling((_tokens[current].ExpiresAt - Now).TotalSeconds);
                return WeComReply.Ok(new JsonObject { ["access_token"] = current, ["expires_in"] = left });
            }
            var token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(48)).Replace('+', '-').Replace('/', '_');
            _tokens[token] = (kind, Now.AddSeconds(_corp.TokenLifetimeSeconds));
            _currentToken[kind] = token;
            return WeComReply.Ok(new JsonObject { ["access_token"] = token, ["expires_in"] = _corp.TokenLifetimeSeconds });
        }
    }

    /// <summary>Successful gettoken calls per secret (app, contact) since the last reset: instances sharing a token cache ask once per expiry.</summary>
    public (int App, int Contact) TokenGrants
    {
        get
        {
            lock (_gate)
            {
                return (_tokenGrants.GetValueOrDefault(TokenKind.App), _tokenGrants.GetValueOrDefault(TokenKind.Contact));
            }
        }
    }

    /// <summary>Null when the token may call an API that needs <paramref name="required"/>; else the error.</summary>
    public JsonObject? Authorize(string? accessToken, TokenKind required)
    {
        lock (_gate)
        {
            if (string.IsNullOrEmpty(accessToken))
            {
                return WeComReply.Error(WeComErrors.MissingAccessToken, "access_token missing");
            }
            if (!_tokens.TryGetValue(accessToken, out var token))
            {
                return WeComReply.Error(WeComErrors.InvalidAccessToken, "invalid access_token");
            }
            if (token.ExpiresAt <= Now)
            {
                return WeComReply.Error(WeComErrors.AccessTokenExpired, "access_token expired");
            }
            if (token.Kind != required)
            {
                return WeComReply.Error(WeComErrors.NoPrivilege,
                    required == TokenKind.Contact
                        ? "api forbidden: externalcontact APIs need the token of the customer-contact secret"
                        : "api forbidden: this API needs the token of the app secret");
            }
            return null;
        }
    }

    /// <summary>Every token issued so far answers 42001 from now on.</summary>
    public int ExpireTokens()
    {
        lock (_gate)
        {
            foreach (var key in _tokens.Keys.ToList())
            {
                _tokens[key] = (_tokens[key].Kind, Now);
            }
            return _tokens.Count;
        }
    }

    // ---- faults -------------------------------------------------------------------------

    /// <summary>The next <paramref name="count"/> calls to <paramref name="api"/> (or "*") answer <paramref name="errCode"/>.</summary>
    public void InjectFault(string api, int errCode, int count, int? httpStatus = null)
    {
        lock (_gate)
        {
            _faults.Add(new Fault(api.Trim('/'), errCode, httpStatus) { Remaining = count });
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    public (JsonObject Reply, int? HttpStatus)? TakeFault(string api)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f => f.Remaining > 0 && (f.Api == "*" || f.Api == api));
            if (fault is null)
            {
                return null;
            }
            fault.Remaining--;
            var message = fault.ErrCode switch
            {
                WeComErrors.SystemBusy => "system busy (injected)",
                WeComErrors.FrequencyLimit => "api freq out of limit (injected)",
                WeComErrors.ConcurrencyLimit => "api concurrent out of limit (injected)",
                _ => "injected fault",
            };
            return (WeComReply.Error(fault.ErrCode, message), fault.HttpStatus);
        }
    }

    // ---- ids and limits -----------------------------------------------------------------

    private string NewId(string prefix, int length = 30)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = IdAlphabet[_ids.Next(IdAlphabet.Length)];
        }
        return prefix + new string(chars);
    }

    private bool TryTakeRate(string key, int perMinute)
    {
        if (!_rates.TryGetValue(key, out var sent))
        {
            _rates[key] = sent = new Queue<DateTimeOffset>();
        }
        while (sent.Count > 0 && sent.Peek() <= Now - RateWindow)
        {
            sent.Dequeue();
        }
        if (sent.Count >= perMinute)
        {
            return false;
        }
        sent.Enqueue(Now);
        return true;
    }

    private bool RateAvailable(string key, int perMinute)
    {
        if (!_rates.TryGetValue(key, out var sent))
        {
            return true;
        }
        return sent.Count(t => t > Now - RateWindow) < perMinute;
    }

    internal static string? Str(JsonNode? node) => node switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    internal static List<string> StrList(JsonNode? node) =>
        node is JsonArray array ? array.Select(Str).OfType<string>().ToList() : [];

    internal static int Utf8Length(string? text) => text is null ? 0 : Encoding.UTF8.GetByteCount(text);

    [GeneratedRegex("^[A-Za-z0-9_\\-@]{1,128}$")]
    private static partial Regex TaskIdPattern();
}
