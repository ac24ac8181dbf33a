using CrmChat.Connectors.WeCom;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;

namespace CrmChat.Bots.Api;

public sealed record SyncStatus(string Name, bool Running, int Done, int Total, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt, string? LastError);

/// <summary>Runs one WeCom full sync at a time in the background and tells how far it got.</summary>
public sealed partial class WeComSyncRunner(IServiceScopeFactory scopes, IHostApplicationLifetime lifetime, ILogger<WeComSyncRunner> logger)
{
    private readonly Lock _gate = new();
    private Task? _running;

    public string? LastError { get; private set; }

    public bool IsRunning
    {
        get
        {
            lock (_gate)
            {
                return _running is { IsCompleted: false };
            }
        }
    }

    /// <summary>Starts a sync unless one is running; a crashed one resumes from its checkpoint.</summary>
    public bool TryStart()
    {
        lock (_gate)
        {
            if (_running is { IsCompleted: false })
            {
                return false;
            }
            LastError = null;
            _running = Task.Run(RunAsync);
            return true;
        }
    }

    /// <summary>
    /// Runs a sync and waits for it (the nightly reconciliation); when one is already running,
    /// started from the API, waits for that one instead and returns null, so two never overlap.
    /// A failure is thrown to the caller and also shown by the API as LastError.
    /// </summary>
    public async Task<FullSyncResult?> RunOrJoinAsync(CancellationToken ct)
    {
        Task? running;
        Task<FullSyncResult>? mine = null;
        lock (_gate)
        {
            running = _running is { IsCompleted: false } other ? other : null;
            if (running is null)
            {
                LastError = null;
                mine = Task.Run(() => RunNowAsync(ct), ct);
                _running = RecordAsync(mine);
            }
        }
        if (mine is null)
        {
            await running!.WaitAsync(ct);
            return null;
        }
        return await mine;
    }

    private async Task RecordAsync(Task<FullSyncResult> run)
    {
        try
        {
            await run;
        }
        catch (Exception ex)
        {
            LastError = $"{ex.GetType().Name}: {ex.Message}";
        }
    }

    /// <summary>Runs a sync now and waits for it (the CLI and tests).</summary>
    public async Task<FullSyncResult> RunNowAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WeComFullSync>().RunAsync(ct: ct);
    }

    public Task WaitAsync()
    {
        lock (_gate)
        {
            return _running ?? Task.CompletedTask;
        }
    }

    private async Task RunAsync()
    {
        try
        {
            await RunNowAsync(lifetime.ApplicationStopping);
        }
        catch (Exception ex)
        {
            LastError = $"{ex.GetType().Name}: {ex.Message}";
            LogFailed(ex.GetType().Name, ex.Message);
        }
    }

    [LoggerMessage(LogLevel.Error, "WeCom full sync failed ({Error}: {Message}); starting it again resumes from the last saved page")]
    private partial void LogFailed(string error, string message);
}

public static class SyncApi
{
    public static IEndpointRouteBuilder MapSyncApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sync").RequireAuthorization(p => p.RequireRole(nameof(ApiRole.Admin))).WithTags("Sync");
        api.MapPost("/wecom", Start).WithSummary("Start a full WeCom sync of customers and tags in the background (admins).");
        api.MapGet("/wecom", StatusAsync).WithSummary("How far the WeCom full sync got: done / total.");
        return app;
    }

    private static async Task<Results<Accepted<SyncStatus>, Conflict<SyncStatus>>> Start(WeComSyncRunner runner, WeComFullSync sync, CancellationToken ct)
    {
        var started = runner.TryStart();
        var status = await Status(runner, sync, ct);
        return started ? TypedResults.Accepted("/api/sync/wecom", status) : TypedResults.Conflict(status);
    }

    private static async Task<Ok<SyncStatus>> StatusAsync(WeComSyncRunner runner, WeComFullSync sync, CancellationToken ct) =>
        TypedResults.Ok(await Status(runner, sync, ct));

    private static async Task<SyncStatus> Status(WeComSyncRunner runner, WeComFullSync sync, CancellationToken ct)
    {
        SyncCheckpoint? checkpoint = await sync.ProgressAsync(ct);
        return new SyncStatus(WeComFullSync.Name, runner.IsRunning, checkpoint?.Done ?? 0, checkpoint?.Total ?? 0,
            checkpoint?.StartedAt, checkpoint?.FinishedAt, runner.LastError);
    }
}
