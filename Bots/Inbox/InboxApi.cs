using CrmChat.Bots.Api;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Inbox;

public sealed record InboxEventView(Guid Id, string Platform, string EventType, string Status, int Attempts,
    string? LastError, DateTimeOffset ReceivedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? ProcessedAt);

/// <summary>For operators: see what failed and send it through again once the cause is fixed.</summary>
public static class InboxApi
{
    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/inbox").RequireAuthorization(p => p.RequireRole(nameof(ApiRole.Admin))).WithTags("Inbox");
        api.MapGet("/dead-letters", ListDeadLettersAsync).WithSummary("Events that failed too often, newest first (admins).");
        api.MapPost("/{id:guid}/replay", ReplayAsync).WithSummary("Put a dead letter back in the queue with fresh attempts (admins).");
        return app;
    }

    private static async Task<Ok<List<InboxEventView>>> ListDeadLettersAsync(CrmDbContext db, CancellationToken ct)
    {
        var rows = await db.InboxEvents.AsNoTracking()
            .Where(e => e.Status == InboxStatus.DeadLetter)
            .OrderByDescending(e => e.ReceivedAt)
            .Take(500)
            .ToListAsync(ct);
        return TypedResults.Ok(rows.Select(View).ToList());
    }

    private static async Task<Results<Ok<InboxEventView>, NotFound, Conflict<string>>> ReplayAsync(
        Guid id, CrmDbContext db, InboxSignal signal, TimeProvider clock, CancellationToken ct)
    {
        var row = await db.InboxEvents.SingleOrDefaultAsync(e => e.Id == id, ct);
        if (row is null)
        {
            return TypedResults.NotFound();
        }
        if (row.Status != InboxStatus.DeadLetter)
        {
            return TypedResults.Conflict($"Event {id} is {row.Status}, not a dead letter; only dead letters are replayed.");
        }
        row.Status = InboxStatus.Pending;
        row.Attempts = 0;
        row.NextAttemptAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return TypedResults.Ok(View(row));
    }

    private static InboxEventView View(InboxEvent e) => new(e.Id, e.Platform.ToString(), e.EventType, e.Status.ToString(),
        e.Attempts, e.LastError, e.ReceivedAt, e.NextAttemptAt, e.ProcessedAt);
}

internal static class InboxSetup
{
    public static IHostApplicationBuilder AddInboxProcessing(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<InboxOptions>().BindConfiguration(InboxOptions.Section)
            .Validate(o => o.MaxAttempts >= 1, "Inbox:MaxAttempts must be at least 1.")
            .Validate(o => o.BatchSize >= 1, "Inbox:BatchSize must be at least 1.")
            .Validate(o => o.Lease > TimeSpan.Zero, "Inbox:Lease must be positive.")
            .ValidateOnStart();
        builder.Services.AddSingleton<InboxSignal>();
        builder.Services.AddSingleton<InboxProcessor>();
        builder.Services.AddHostedService<InboxProcessorService>();
        return builder;
    }
}
