using CrmChat.CrmCore;

namespace CrmChat.Connectors.Infrastructure;

/// <summary>
/// What one try at a platform API call came to: the answer, or why it is worth trying again.
/// </summary>
public readonly record struct ApiAttempt<T>(T? Result, string? RetryReason)
{
    public static ApiAttempt<T> Answered(T result) => new(result, null);

    public static ApiAttempt<T> Retry(string reason) => new(default, reason);
}

/// <summary>
/// The bounded retry loop every platform transport shares: up to <c>maxAttempts</c> tries,
/// network errors and timeouts retried, a jittered backoff waited out on the
/// <see cref="TimeProvider"/>. The platform decides, per try, which answers are worth
/// another try; on the last try it throws instead.
/// </summary>
public sealed class ApiCallRetries(int maxAttempts, RetryBackoff backoff, TimeProvider time)
{
    /// <param name="attempt">One try; told whether it is the last, so it throws rather than asks for a retry.</param>
    /// <param name="logRetrying">Logs the reason, the attempt number and the delay before the next try.</param>
    public async Task<T> RunAsync<T>(
        Func<bool, CancellationToken, Task<ApiAttempt<T>>> attempt,
        Action<string, int, TimeSpan> logRetrying,
        CancellationToken cancellationToken)
    {
        var attempts = Math.Max(1, maxAttempts);
        for (var number = 1; ; number++)
        {
            var last = number >= attempts;
            string reason;
            try
            {
                var outcome = await attempt(last, cancellationToken).ConfigureAwait(false);
                if (outcome.RetryReason is null)
                {
                    return outcome.Result!;
                }
                reason = outcome.RetryReason;
            }
            catch (HttpRequestException e) when (!last)
            {
                reason = e.HttpRequestError.ToString();
            }
            catch (TaskCanceledException) when (!last && !cancellationToken.IsCancellationRequested)
            {
                reason = "timeout";
            }
            var delay = backoff.DelayBefore(number - 1);
            logRetrying(reason, number, delay);
            await Task.Delay(delay, time, cancellationToken).ConfigureAwait(false);
        }
    }
}
