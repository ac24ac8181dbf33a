using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrmChat.Connectors.Infrastructure;
using CrmChat.CrmCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.DingTalk.Api;

/// <summary>
/// One DingTalk API call done properly: the app's cached token (header
/// <c>x-acs-dingtalk-access-token</c> on v1.0, <c>?access_token=</c> on oapi), a refresh and one
/// retry when the token was rejected, backoff and bounded retries on 90018, 90002, -1, the
/// v1.0 QPS limit, HTTP 429 and 5xx, and a <see cref="DingTalkApiException"/> for everything else.
/// </summary>
public sealed partial class DingTalkApiTransport(
    HttpClient http,
    IAccessTokenCache tokens,
    IOptions<DingTalkOptions> options,
    IOptions<DingTalkClientOptions> clientOptions,
    IRandomSource random,
    TimeProvider time,
    ILogger<DingTalkApiTransport> logger)
{
    private const string TokenHeader = "x-acs-dingtalk-access-token";
    private const string TokenPath = "v1.0/oauth2/accessToken";
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };
    private static readonly KeyValuePair<string, string?>[] NoQuery = [];

    private readonly ApiCallRetries _retries = new(clientOptions.Value.MaxAttempts,
        new RetryBackoff(clientOptions.Value.FirstRetryDelay, clientOptions.Value.MaxRetryDelay, random), time);

    /// <summary>A v1.0 API (api.dingtalk.com) with the token in its header.</summary>
    public Task<T> ApiAsync<T>(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string?>>? query, object? body, CancellationToken cancellationToken)
    {
        var url = Url(options.Value.ApiBaseUrl, path, query?.ToList() ?? []);
        var bytes = body is null ? null : Serialize(body);
        return WithTokenAsync(token => SendAsync(path, method, url, bytes, token, ReadApiAsync<T>, cancellationToken), cancellationToken);
    }

    /// <summary>A legacy oapi API (oapi.dingtalk.com) with <c>?access_token=</c>.</summary>
    public Task<T> OapiAsync<T>(HttpMethod method, string path, IEnumerable<KeyValuePair<string, string?>>? query, object? body, CancellationToken cancellationToken)
        where T : DingTalkOapiResponse
    {
        var rest = query?.ToList() ?? [];
        var bytes = body is null ? null : Serialize(body);
        return WithTokenAsync(token =>
        {
            var url = Url(options.Value.OapiBaseUrl, path, [new("access_token", token), .. rest]);
            return SendAsync(path, method, url, bytes, token: null, ReadOapiAsync<T>, cancellationToken);
        }, cancellationToken);
    }

    /// <summary>An oapi call authorised by its own query (a custom robot's access_token and sign), with no app token.</summary>
    public Task<T> OapiWithoutTokenAsync<T>(string path, IEnumerable<KeyValuePair<string, string?>> query, object body, CancellationToken cancellationToken)
        where T : DingTalkOapiResponse =>
        SendAsync(path, HttpMethod.Post, Url(options.Value.OapiBaseUrl, path, query.ToList()), Serialize(body), token: null, ReadOapiAsync<T>, cancellationToken);

    /// <summary>
    /// A POST to a URL DingTalk handed out (a session webhook), answered with errcode / errmsg.
    /// <paramref name="logName"/> stands for the URL in logs and errors: the URL is a credential.
    /// </summary>
    public Task<T> PostToUrlAsync<T>(Uri url, string logName, object body, CancellationToken cancellationToken)
        where T : DingTalkOapiResponse =>
        SendAsync(logName, HttpMethod.Post, url, Serialize(body), token: null, ReadOapiAsync<T>, cancellationToken);

    /// <summary>The JSON DingTalk will receive for <paramref name="body"/>.</summary>
    public static byte[] Serialize(object body) => JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), DingTalkJson.Options);

    private async Task<T> WithTokenAsync<T>(Func<string, Task<T>> call, CancellationToken cancellationToken)
    {
        var (appKey, appSecret, cacheKey) = Credential();
        var refreshed = false;
        while (true)
        {
            var token = await tokens.GetAsync(cacheKey, ct => FetchTokenAsync(appKey, appSecret, ct), cancellationToken).ConfigureAwait(false);
            try
            {
                return await call(token).ConfigureAwait(false);
            }
            catch (DingTalkApiException e) when (!refreshed && IsRejectedToken(e))
            {
                LogTokenRejected(logger, e.Path, e.Code);
                await tokens.InvalidateAsync(cacheKey, token, cancellationToken).ConfigureAwait(false);
                refreshed = true;
            }
        }
    }

    private async Task<AccessToken> FetchTokenAsync(string appKey, string appSecret, CancellationToken cancellationToken)
    {
        var url = Url(options.Value.ApiBaseUrl, TokenPath, NoQuery);
        var body = Serialize(new { appKey, appSecret });
        var response = await SendAsync(TokenPath, HttpMethod.Post, url, body, token: null, ReadApiAsync<TokenResponse>, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(response.AccessToken) || response.ExpireIn <= 0)
        {
            throw new DingTalkApiException(TokenPath, 200, "NoToken", "the answer has no accessToken or expireIn");
        }
        var lifetime = TimeSpan.FromSeconds(response.ExpireIn);
        // A short-lived token (a sandbox, say) is still used for half its life.
        var margin = TimeSpan.FromTicks(Math.Min(clientOptions.Value.TokenRefreshMargin.Ticks, lifetime.Ticks / 2));
        LogTokenFetched(logger, response.ExpireIn);
        return new AccessToken(response.AccessToken, time.GetUtcNow() + lifetime - margin);
    }

    private Task<T> SendAsync<T>(string path, HttpMethod method, Uri url, byte[]? body, string? token,
        Func<HttpResponseMessage, string, CancellationToken, Task<T>> read, CancellationToken cancellationToken) =>
        _retries.RunAsync(async (last, ct) =>
        {
            try
            {
                using var request = new HttpRequestMessage(method, url);
                if (token is not null)
                {
                    request.Headers.Add(TokenHeader, token);
                }
                if (body is not null)
                {
                    request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
                }
                using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
                return ApiAttempt<T>.Answered(await read(response, path, ct).ConfigureAwait(false));
            }
            catch (DingTalkApiException e) when (!last && IsTransient(e))
            {
                return ApiAttempt<T>.Retry($"HTTP {e.HttpStatus}, code {e.Code}");
            }
        }, (reason, attempt, delay) => LogRetrying(logger, path, reason, attempt, delay.TotalMilliseconds), cancellationToken);

    private static async Task<T> ReadApiAsync<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            try
            {
                return JsonSerializer.Deserialize<T>(bytes.Length == 0 ? "{}"u8 : bytes, DingTalkJson.Options) ?? throw new JsonException("null");
            }
            catch (JsonException e)
            {
                throw new InvalidOperationException(
                    $"DingTalk API {path} answered HTTP {status} with a body that is not DingTalk JSON; is DingTalk:ApiBaseUrl right?", e);
            }
        }
        ApiError? error = null;
        try
        {
            error = bytes.Length == 0 ? null : JsonSerializer.Deserialize<ApiError>(bytes, DingTalkJson.Options);
        }
        catch (JsonException)
        {
            // A proxy's HTML error page: the status alone tells what happened.
        }
        throw new DingTalkApiException(path, status,
            string.IsNullOrEmpty(error?.Code) ? $"HTTP{status}" : error.Code,
            string.IsNullOrEmpty(error?.Message) ? response.ReasonPhrase ?? "" : error.Message,
            error?.RequestId);
    }

    private static async Task<T> ReadOapiAsync<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken)
        where T : DingTalkOapiResponse
    {
        var status = (int)response.StatusCode;
        if (response.StatusCode >= HttpStatusCode.InternalServerError || response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            throw new DingTalkApiException(path, status, $"HTTP{status}", response.ReasonPhrase ?? "");
        }
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        T result;
        try
        {
            result = JsonSerializer.Deserialize<T>(bytes, DingTalkJson.Options) ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            if (!response.IsSuccessStatusCode)
            {
                throw new DingTalkApiException(path, status, $"HTTP{status}", response.ReasonPhrase ?? "");
            }
            throw new InvalidOperationException(
                $"DingTalk API {path} answered HTTP {status} with a body that is not DingTalk JSON; is DingTalk:OapiBaseUrl right?", e);
        }
        if (result.ErrCode != 0)
        {
            throw DingTalkApiException.Legacy(path, status, result);
        }
        if (!response.IsSuccessStatusCode)
        {
            throw new DingTalkApiException(path, status, $"HTTP{status}", response.ReasonPhrase ?? "");
        }
        return result;
    }

    private static Uri Url(string baseUrl, string path, IReadOnlyList<KeyValuePair<string, string?>> query)
    {
        var url = new StringBuilder(baseUrl.EndsWith('/') ? baseUrl : baseUrl + "/").Append(path.TrimStart('/'));
        var first = true;
        foreach (var (key, value) in query)
        {
            if (value is null)
            {
                continue;
            }
            url.Append(first ? '?' : '&').Append(key).Append('=').Append(Uri.EscapeDataString(value));
            first = false;
        }
        return new Uri(url.ToString(), UriKind.Absolute);
    }

    private (string AppKey, string AppSecret, string CacheKey) Credential()
    {
        var o = options.Value;
        if (o.AppKey.Length == 0 || o.AppSecret.Length == 0)
        {
            throw new InvalidOperationException(
                "DingTalk:AppKey and DingTalk:AppSecret must be configured to call DingTalk's API; set them from environment variables or user-secrets.");
        }
        // The cache key names the credential by a hash: the secret itself never reaches Redis.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(o.AppKey + "\n" + o.AppSecret)))[..24];
        return (o.AppKey, o.AppSecret, $"dingtalk:{hash}");
    }

    private static bool IsRejectedToken(DingTalkApiException e) =>
        e.ReasonCode is DingTalkApiException.InvalidAccessToken or DingTalkApiException.AccessTokenExpired
        || (e.ErrCode is null && (e.HttpStatus == 401 || e.Code.StartsWith(DingTalkApiException.InvalidAuthenticationCode, StringComparison.Ordinal)));

    private static bool IsTransient(DingTalkApiException e) =>
        e.ReasonCode is DingTalkApiException.AppQpsLimited or DingTalkApiException.GlobalQpsLimited or DingTalkApiException.SystemBusy
        || e.HttpStatus is 429 or >= 500
        || e.Code == DingTalkApiException.QpsLimitCode;

    private sealed record TokenResponse(string AccessToken, long ExpireIn);

    private sealed record ApiError(string? Code, string? Message, string? RequestId);

    [LoggerMessage(EventId = 3201, Level = LogLevel.Information, Message = "Fetched a DingTalk access token, expires in {ExpireIn} s")]
    private static partial void LogTokenFetched(ILogger logger, long expireIn);

    [LoggerMessage(EventId = 3202, Level = LogLevel.Information, Message = "DingTalk API {Path} rejected the access token (code {Code}); refreshing and retrying once")]
    private static partial void LogTokenRejected(ILogger logger, string path, string code);

    [LoggerMessage(EventId = 3203, Level = LogLevel.Warning, Message = "DingTalk API {Path} failed ({Reason}) on attempt {Attempt}; retrying in {DelayMs:F0} ms")]
    private static partial void LogRetrying(ILogger logger, string path, string reason, int attempt, double delayMs);
}
