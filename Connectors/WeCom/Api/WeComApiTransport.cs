using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using CrmChat.Connectors.Infrastructure;
using CrmChat.CrmCore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace CrmChat.Connectors.WeCom.Api;

/// <summary>Which of the corp's secrets a call is made with; each has its own access token.</summary>
public enum WeComSecret
{
    /// <summary><c>WeCom:Secret</c>: app messages and cards.</summary>
    App,
    /// <summary><c>WeCom:ContactSecret</c> (the app secret when empty): externalcontact/*.</summary>
    Contact,
}

/// <summary>
/// One WeCom API call done properly: the cached token for the right secret, the errcode
/// checked, a refresh and one retry when the token was rejected, backoff and bounded retries
/// when WeCom is busy or limiting, and a <see cref="WeComApiException"/> for everything else.
/// The typed HttpClient behind it has <c>WeCom:ApiBaseUrl</c> as its base address.
/// </summary>
public sealed partial class WeComApiTransport(
    HttpClient http,
    IAccessTokenCache tokens,
    IOptions<WeComOptions> options,
    IOptions<WeComClientOptions> clientOptions,
    IRandomSource random,
    TimeProvider time,
    ILogger<WeComApiTransport> logger)
{
    private static readonly MediaTypeHeaderValue Json = new("application/json") { CharSet = "utf-8" };

    private readonly ApiCallRetries _retries = new(clientOptions.Value.MaxAttempts,
        new RetryBackoff(clientOptions.Value.FirstRetryDelay, clientOptions.Value.MaxRetryDelay, random), time);

    public Task<T> GetAsync<T>(WeComSecret secret, string path, IEnumerable<KeyValuePair<string, string?>> query, CancellationToken cancellationToken)
        where T : WeComResponse =>
        CallWithTokenAsync<T>(secret, HttpMethod.Get, path, query, body: null, cancellationToken);

    public Task<T> PostAsync<T>(WeComSecret secret, string path, object body, CancellationToken cancellationToken)
        where T : WeComResponse =>
        CallWithTokenAsync<T>(secret, HttpMethod.Post, path, [], Serialize(body), cancellationToken);

    /// <summary>A call authorised by its own query (the group robot's key), with no access token.</summary>
    public Task<T> PostWithoutTokenAsync<T>(string path, IEnumerable<KeyValuePair<string, string?>> query, object body, CancellationToken cancellationToken)
        where T : WeComResponse =>
        CallAsync<T>(HttpMethod.Post, path, query.ToList(), Serialize(body), cancellationToken);

    /// <summary>The JSON WeCom will receive for <paramref name="body"/>, for size checks before sending.</summary>
    public static byte[] Serialize(object body) => JsonSerializer.SerializeToUtf8Bytes(body, body.GetType(), WeComJson.Options);

    private async Task<T> CallWithTokenAsync<T>(WeComSecret secret, HttpMethod method, string path, IEnumerable<KeyValuePair<string, string?>> query, byte[]? body, CancellationToken cancellationToken)
        where T : WeComResponse
    {
        var (secretValue, cacheKey) = Credential(secret);
        var rest = query.ToList();
        var refreshed = false;
        while (true)
        {
            var token = await tokens.GetAsync(cacheKey, ct => FetchTokenAsync(secret, secretValue, ct), cancellationToken).ConfigureAwait(false);
            var withToken = new List<KeyValuePair<string, string?>>(rest.Count + 1) { new("access_token", token) };
            withToken.AddRange(rest);
            try
            {
                return await CallAsync<T>(method, path, withToken, body, cancellationToken).ConfigureAwait(false);
            }
            catch (WeComApiException e) when (!refreshed && IsRejectedToken(e.ErrCode))
            {
                LogTokenRejected(logger, path, e.ErrCode, secret);
                await tokens.InvalidateAsync(cacheKey, token, cancellationToken).ConfigureAwait(false);
                refreshed = true;
            }
        }
    }

    private async Task<AccessToken> FetchTokenAsync(WeComSecret secret, string secretValue, CancellationToken cancellationToken)
    {
        var response = await CallAsync<GetTokenResponse>(HttpMethod.Get, "gettoken",
            [new("corpid", options.Value.CorpId), new("corpsecret", secretValue)], body: null, cancellationToken).ConfigureAwait(false);
        var lifetime = TimeSpan.FromSeconds(response.ExpiresIn);
        // A short-lived token (a sandbox, say) is still used for half its life.
        var margin = TimeSpan.FromTicks(Math.Min(clientOptions.Value.TokenRefreshMargin.Ticks, lifetime.Ticks / 2));
        LogTokenFetched(logger, secret, response.ExpiresIn);
        return new AccessToken(response.AccessToken, time.GetUtcNow() + lifetime - margin);
    }

    private Task<T> CallAsync<T>(HttpMethod method, string path, IReadOnlyList<KeyValuePair<string, string?>> query, byte[]? body, CancellationToken cancellationToken)
        where T : WeComResponse =>
        _retries.RunAsync(async (last, ct) =>
        {
            using var request = new HttpRequestMessage(method, Url(path, query));
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body) { Headers = { ContentType = Json } };
            }
            using var response = await http.SendAsync(request, ct).ConfigureAwait(false);
            if (response.StatusCode >= HttpStatusCode.InternalServerError || response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                if (last)
                {
                    response.EnsureSuccessStatusCode();
                }
                return ApiAttempt<T>.Retry($"HTTP {(int)response.StatusCode}");
            }
            var result = await ReadAsync<T>(response, path, ct).ConfigureAwait(false);
            if (result.ErrCode == 0)
            {
                return ApiAttempt<T>.Answered(result);
            }
            if (last || !IsTransient(result.ErrCode))
            {
                throw new WeComApiException(path, result.ErrCode, result.ErrMsg);
            }
            return ApiAttempt<T>.Retry($"errcode {result.ErrCode}");
        }, (reason, attempt, delay) => LogRetrying(logger, path, reason, attempt, delay.TotalMilliseconds), cancellationToken);

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, CancellationToken cancellationToken)
        where T : WeComResponse
    {
        var bytes = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return JsonSerializer.Deserialize<T>(bytes, WeComJson.Options)
                ?? throw new JsonException("null");
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException(
                $"WeCom API {path} answered HTTP {(int)response.StatusCode} with a body that is not WeCom JSON; is WeCom:ApiBaseUrl right?", e);
        }
    }

    private static string Url(string path, IReadOnlyList<KeyValuePair<string, string?>> query)
    {
        if (query.Count == 0)
        {
            return path;
        }
        var url = new StringBuilder(path).Append('?');
        foreach (var (key, value) in query)
        {
            if (value is null)
            {
                continue;
            }
            if (url[^1] != '?')
            {
                url.Append('&');
            }
            url.Append(key).Append('=').Append(Uri.EscapeDataString(value));
        }
        return url.ToString();
    }

    private (string Secret, string CacheKey) Credential(WeComSecret secret)
    {
        var o = options.Value;
        var value = secret == WeComSecret.Contact && o.ContactSecret.Length > 0 ? o.ContactSecret : o.Secret;
        if (value.Length == 0)
        {
            throw new InvalidOperationException(
                $"WeCom:{(secret == WeComSecret.Contact ? "ContactSecret (or WeCom:Secret)" : "Secret")} is not configured; set it from an environment variable or user-secrets.");
        }
        // The cache key names the credential by a hash: the secret itself never reaches Redis.
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(o.CorpId + "\n" + value)))[..24];
        return (value, $"wecom:{hash}");
    }

    private static bool IsRejectedToken(int errCode) =>
        errCode is WeComApiException.InvalidCredential or WeComApiException.InvalidAccessToken or WeComApiException.AccessTokenExpired;

    private static bool IsTransient(int errCode) =>
        errCode is WeComApiException.SystemBusy or WeComApiException.FrequencyLimited or WeComApiException.ConcurrencyLimited;

    private sealed record GetTokenResponse : WeComResponse
    {
        public string AccessToken { get; init; } = "";
        public int ExpiresIn { get; init; }
    }

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information, Message = "Fetched a WeCom access token for the {Secret} secret, expires in {ExpiresIn} s")]
    private static partial void LogTokenFetched(ILogger logger, WeComSecret secret, int expiresIn);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "WeCom API {Path} rejected the {Secret} token (errcode {ErrCode}); refreshing and retrying once")]
    private static partial void LogTokenRejected(ILogger logger, string path, int errCode, WeComSecret secret);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Warning, Message = "WeCom API {Path} failed ({Reason}) on attempt {Attempt}; retrying in {DelayMs:F0} ms")]
    private static partial void LogRetrying(ILogger logger, string path, string reason, int attempt, double delayMs);
}
