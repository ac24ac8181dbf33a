using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace CrmChat.Sandbox.DingTalk;

/// <summary>
/// The emulated DingTalk org: directory, tokens, robots, conversations, approvals and what
/// CrmChat sent. All state lives in memory behind one lock; the Sandbox clock is the injected
/// <see cref="TimeProvider"/>.
/// </summary>
public sealed partial class DingTalkSandbox
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _time;
    private readonly DingTalkSandboxOptions _initial;
    private DingTalkSandboxOptions _app;
    private long _nextId = 1;

    private readonly Dictionary<string, DateTimeOffset> _tokens = [];
    private string? _currentToken;
    private readonly List<Fault> _faults = [];
    private readonly List<DingTalkDelivery> _deliveries = [];

    private sealed record Fault(string Api, int? ErrCode, string? Code, int? HttpStatus)
    {
        public int Remaining { get; set; }
    }

    public DingTalkSandbox(IOptions<DingTalkSandboxOptions> options, TimeProvider time)
    {
        _time = time;
        _initial = options.Value.Clone();
        _app = _initial.Clone();
        SeedDefaults();
    }

    public TimeProvider Time => _time;
    private DateTimeOffset Now => _time.GetUtcNow();
    private long NowMs => Now.ToUnixTimeMilliseconds();

    /// <summary>A copy of the app's current settings.</summary>
    public DingTalkSandboxOptions App
    {
        get
        {
            lock (_gate)
            {
                return _app.Clone();
            }
        }
    }

    public void Configure(Action<DingTalkSandboxOptions> change)
    {
        lock (_gate)
        {
            var next = _app.Clone();
            change(next);
            Connectors.Crypto.CallbackCrypto.DecodeKey(next.AesKey);
            _app = next;
        }
    }

    /// <summary>Forgets everything and returns to the configured app.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            _app = _initial.Clone();
            _nextId = 1;
            _tokens.Clear();
            _currentToken = null;
            _faults.Clear();
            _deliveries.Clear();
            _users.Clear();
            _robots.Clear();
            _robotSends.Clear();
            _robotThrottledUntil.Clear();
            _msgUuids.Clear();
            _conversations.Clear();
            _sessions.Clear();
            _messages.Clear();
            _processes.Clear();
            _instances.Clear();
            SeedDefaults();
        }
    }

    private void SeedDefaults() => _processes[DingTalkSandboxDefaults.ProcessCode] = DingTalkSandboxDefaults.ProcessName;

    private long NextId()
    {
        lock (_gate)
        {
            return _nextId++;
        }
    }

    private static string RandomToken(int bytes = 16) => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(bytes));

    // ---- tokens -------------------------------------------------------------------------

    /// <summary>
    /// The app's access token. Within its lifetime DingTalk hands out the same token again and
    /// renews it; v1.0 and legacy APIs share it. Null when the key or secret is wrong.
    /// </summary>
    public (string Token, int ExpiresIn)? IssueToken(string? appKey, string? appSecret)
    {
        lock (_gate)
        {
            if (appKey != _app.AppKey || appSecret != _app.AppSecret)
            {
                return null;
            }
            if (_currentToken is null || _tokens[_currentToken] <= Now)
            {
                _currentToken = RandomToken();
            }
            _tokens[_currentToken] = Now.AddSeconds(_app.TokenLifetimeSeconds);
            return (_currentToken, _app.TokenLifetimeSeconds);
        }
    }

    public bool TokenValid(string? token)
    {
        lock (_gate)
        {
            return token is not null && _tokens.TryGetValue(token, out var expiresAt) && expiresAt > Now;
        }
    }

    /// <summary>Every token issued so far is refused from now on.</summary>
    public int ExpireTokens()
    {
        lock (_gate)
        {
            foreach (var key in _tokens.Keys.ToList())
            {
                _tokens[key] = Now;
            }
            return _tokens.Count;
        }
    }

    // ---- faults -------------------------------------------------------------------------

    /// <summary>
    /// The next <paramref name="count"/> calls to <paramref name="api"/> (a path such as
    /// <c>robot/send</c> or <c>v1.0/robot/groupMessages/send</c>, or "*") fail: legacy APIs with
    /// <paramref name="errCode"/>, v1.0 APIs with <paramref name="code"/> and <paramref name="httpStatus"/>.
    /// </summary>
    public void InjectFault(string api, int? errCode, string? code, int count, int? httpStatus = null)
    {
        lock (_gate)
        {
            _faults.Add(new Fault(api.Trim('/'), errCode, code, httpStatus) { Remaining = count });
        }
    }

    public void ClearFaults()
    {
        lock (_gate)
        {
            _faults.Clear();
        }
    }

    /// <summary>The injected answer for this call, if one is pending: (status, body).</summary>
    internal (int Status, JsonObject Body)? TakeFault(string api, bool v1)
    {
        lock (_gate)
        {
            var fault = _faults.FirstOrDefault(f => f.Remaining > 0 && (f.Api == "*" || f.Api == api));
            if (fault is null)
            {
                return null;
            }
            fault.Remaining--;
            if (v1)
            {
                var code = fault.Code ?? (fault.ErrCode == DingTalkErrors.ServerBusy ? "ServiceUnavailable" : DingTalkErrors.QpsLimitForAppkeyAndApi);
                var status = fault.HttpStatus ?? (code == "ServiceUnavailable" ? 503 : 403);
                var message = code == DingTalkErrors.QpsLimitForAppkeyAndApi ? "应用调用该接口的QPS超过限制 (injected)" : "injected fault";
                return (status, DingTalkReply.ApiError(code, message));
            }
            var errCode = fault.ErrCode ?? DingTalkErrors.QpsLimit;
            var errmsg = errCode switch
            {
                DingTalkErrors.QpsLimit => "接口调用超过限流阈值 (injected)",
                DingTalkErrors.ServerBusy => "服务器处理超时，请稍后重试 (injected)",
                DingTalkErrors.SystemBusy => "系统繁忙 (injected)",
                DingTalkErrors.RobotSendTooFast => "send too fast, exceed 20 times per minute (injected)",
                _ => "injected fault",
            };
            return (fault.HttpStatus ?? 200, api.StartsWith("robot/", StringComparison.Ordinal)
                ? DingTalkReply.Robot(errCode, errmsg)
                : DingTalkReply.Error(errCode, errmsg));
        }
    }

    // ---- deliveries ---------------------------------------------------------------------

    internal DingTalkDelivery RecordDelivery(string channel, string kind, string payload, string url)
    {
        lock (_gate)
        {
            var delivery = new DingTalkDelivery { Id = _nextId++, Channel = channel, Kind = kind, Payload = payload, Url = url.Length > 0 ? url : null };
            _deliveries.Add(delivery);
            return delivery;
        }
    }

    internal void RecordAttempt(DingTalkDelivery delivery, DeliveryAttempt attempt, bool delivered)
    {
        lock (_gate)
        {
            delivery.Attempts.Add(attempt);
            delivery.Delivered |= delivered;
        }
    }

    /// <summary>Every event and robot message the Sandbox sent or tried to send, oldest first.</summary>
    public IReadOnlyList<DingTalkDelivery> Deliveries(string? channel = null)
    {
        lock (_gate)
        {
            return _deliveries.Where(d => channel is null || d.Channel == channel).Select(d => d.Copy()).ToList();
        }
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
}
