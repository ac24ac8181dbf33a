using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace CrmChat.Connectors.Crypto;

/// <summary>Says once at start whether callback crypto runs on the native kernel, and if not, why.</summary>
internal sealed partial class CryptoKernelReport(ILogger<CryptoKernelReport> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (CryptoKernel.Shared is null)
        {
            LogManaged(logger, CryptoKernel.Unavailable);
        }
        else
        {
            LogNative(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 3401, Level = LogLevel.Information, Message = "Callback crypto uses the native kernel (SHA-1 and AES-CBC interleaved)")]
    private static partial void LogNative(ILogger logger);

    [LoggerMessage(EventId = 3402, Level = LogLevel.Information, Message = "Callback crypto runs managed: {Reason}")]
    private static partial void LogManaged(ILogger logger, string reason);
}
