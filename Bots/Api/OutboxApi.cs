using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Api;

/// <summary>An outbox row as operators see it. Group targets are robot keys or tokens, so they are shortened.</summary>
public sealed record OutboxMessageView(Guid Id, string Platform, string Kind, string Target, string? CardId, string Status, int Attempts,
    string? LastError, DateTimeOffset CreatedAt, DateTimeOffset NextAttemptAt, DateTimeOffset? SentAt, string? PlatformMessageId);

/// <summary>For operators: what CrmChat sends to the chat apps, what failed, and sending it again once the cause is fixed.</summary>
public static class OutboxApi
{
    private const int MaxRows = 500;

    public static IEndpointRouteBuilder MapOutboxApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/outbox").RequireAuthorization(p => p.RequireRole(nameof(ApiRole.Admin))).WithTags("Outbox");
        api.MapGet("/", ListAsync).WithSummary("Messages to the chat apps, newest first (admins); status = Pending, Sent or DeadLetter.");
        api.MapGet("/dead-letters", ListDeadLettersAsync).WithSummary("Messages the platform refused or that failed too often, newest first (admins).");
        api.MapPost("/{id:guid}/replay", ReplayAsync).WithSummary("Queue a dead letter again, due now, with fresh attempts (admins).");
        return app;
    }

    private static async Task<Results<Ok<List<OutboxMessageView>>, ValidationProblem>> ListAsync(CrmDbContext db, string? status, CancellationToken ct)
    {
        var query = db.OutboxMessages.AsNoTracking();
        if (!string.IsNullOrEmpty(status))
        {
            if (!Enum.TryParse<OutboxStatus>(status, ignoreCase: true, out var wanted) || !Enum.IsDefined(wanted))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]>
                {
                    ["status"] = [$"status must be one of {string.Join(", ", Enum.GetNames<OutboxStatus>())}; got '{status}'."],
                });
            }
            query = query.Where(m => m.Status == wanted);
        }
        return TypedResults.Ok(await NewestAsync(query, ct));
    }

    private static async Task<Ok<List<OutboxMessageView>>> ListDeadLettersAsync(CrmDbContext db, CancellationToken ct) =>
        TypedResults.Ok(await NewestAsync(db.OutboxMessages.AsNoTracking().Where(m => m.Status == OutboxStatus.DeadLetter), ct));

    private static async Task<Results<Ok<OutboxMessageView>, NotFound, Conflict<string>>> ReplayAsync(
        Guid id, CrmDbContext db, OutboxSignal signal, TimeProvider clock, CancellationToken ct)
    {
        var row = await db.OutboxMessages.SingleOrDefaultAsync(m => m.Id == id, ct);
        if (row is null)
        {
            return TypedResults.NotFound();
        }
        if (row.Status != OutboxStatus.DeadLetter)
        {
            return TypedResults.Conflict($"Message {id} is {row.Status}, not a dead letter; only dead letters are replayed.");
        }
        row.Status = OutboxStatus.Pending;
        row.Attempts = 0;
        row.NextAttemptAt = clock.GetUtcNow();
        await db.SaveChangesAsync(ct);
        signal.Notify();
        return TypedResults.Ok(View(row));
    }

    private static async Task<List<OutboxMessageView>> NewestAsync(IQueryable<OutboxMessage> query, CancellationToken ct)
    {
        var rows = await query.OrderByDescending(m => m.CreatedAt).Take(MaxRows).ToListAsync(ct);
        return rows.Select(View).ToList();
    }

    private static OutboxMessageView View(OutboxMessage m) => new(m.Id, m.Platform.ToString(), m.TargetKind,
        m.TargetKind == nameof(ChatAddressKind.Group) ? Shorten(m.Target) : m.Target, m.CardId, m.Status.ToString(), m.Attempts,
        m.LastError, m.CreatedAt, m.NextAttemptAt, m.SentAt, m.PlatformMessageId);

    private static string Shorten(string credential) => credential.Length <= 8 ? "…" : credential[..4] + "…";
}
