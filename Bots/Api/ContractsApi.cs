using System.Security.Claims;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Cards;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Api;

public sealed record ContractRequest(Guid CustomerId, string Title, decimal Amount, string? Currency);

public sealed record DecisionView(string Step, string Approver, string Outcome, string? Reason, string? Channel, DateTimeOffset At);

public sealed record AuditView(string Actor, string Action, string? Before, string? After, DateTimeOffset At);

public sealed record ContractView(
    Guid Id, Guid CustomerId, string Title, decimal Amount, string Currency, string Status,
    Guid? ApprovalId, string? ApprovalStatus, int? CurrentStep, IReadOnlyList<DecisionView> Decisions, IReadOnlyList<AuditView> Trail);

/// <summary>Contracts submitted for approval through the API, with the trail an auditor reads.</summary>
public static class ContractsApi
{
    public static IEndpointRouteBuilder MapContractsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/contracts").RequireAuthorization().WithTags("Contracts");
        group.MapPost("/", SubmitAsync)
            .WithSummary("Creates a contract for the caller and submits it for approval: the approvers of the first step get a card.");
        group.MapGet("/{id:guid}", GetAsync).WithSummary("The contract, its approval, every decision and the audit trail.");
        group.MapPost("/{id:guid}/withdraw", WithdrawAsync).WithSummary("The requester withdraws a pending approval.");
        return app;
    }

    private static async Task<Results<Created<ContractView>, UnprocessableEntity<ContractView>, ProblemHttpResult, NotFound>> SubmitAsync(
        ContractRequest request, CrmDbContext db, ContractApprovals approvals, OutboxSignal outbox, TimeProvider clock, ClaimsPrincipal user, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Title) || request.Title.Length > 200 || request.Amount <= 0
            || (request.Currency is { } c && (c.Length != 3 || !c.All(char.IsAsciiLetterUpper))))
        {
            return TypedResults.Problem("标题（≤200字）、大于0的金额和三位币种代码是必需的。Title (≤ 200 characters), a positive amount and a 3-letter currency code are required.",
                statusCode: StatusCodes.Status400BadRequest, title: "合同无效 Invalid contract");
        }
        var requesterId = await CustomersApi.ResolveEmployeeAsync(db, user.FindFirstValue(ClaimTypes.NameIdentifier), ct);
        var requester = requesterId is null ? null : await db.Employees.SingleAsync(e => e.Id == requesterId, ct);
        if (requester is null)
        {
            return TypedResults.Problem("这个令牌的员工不在通讯录中。The employee of this token is not in the directory.",
                statusCode: StatusCodes.Status403Forbidden, title: "未知员工 Unknown employee");
        }
        if (!await db.Customers.AnyAsync(x => x.Id == request.CustomerId, ct))
        {
            return TypedResults.NotFound();
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var now = clock.GetUtcNow();
        var contract = new Contract
        {
            CustomerId = request.CustomerId, Title = request.Title.Trim(), Amount = request.Amount, Currency = request.Currency ?? "CNY",
            RequesterId = requester.Id, CreatedAt = now, UpdatedAt = now,
        };
        db.Contracts.Add(contract);
        db.AuditEntries.Add(new AuditEntry
        {
            Actor = $"employee:{requester.Id}", EntityType = nameof(Contract), EntityId = contract.Id.ToString(), Action = "created-by-api", At = now,
        });
        await db.SaveChangesAsync(ct);
        var platform = requester.WeComUserId is not null ? Platform.WeCom : Platform.DingTalk;
        var answer = await approvals.SubmitAsync(contract, requester, platform, ct);
        await transaction.CommitAsync(ct);
        outbox.Notify();
        var view = (await ViewAsync(db, contract.Id, ct))!;
        // A contract no rule covers stays a draft: 422 with the reason in the card text.
        return answer.Changed
            ? TypedResults.Created($"/api/contracts/{contract.Id}", view)
            : TypedResults.UnprocessableEntity(view with { Trail = [.. view.Trail, new AuditView("system", "refused", null, CardText(answer.Card), now)] });
    }

    private static async Task<Results<Ok<ContractView>, NotFound>> GetAsync(Guid id, CrmDbContext db, CancellationToken ct) =>
        await ViewAsync(db, id, ct) is { } view ? TypedResults.Ok(view) : TypedResults.NotFound();

    private static async Task<Results<Ok<ContractView>, NotFound, ProblemHttpResult>> WithdrawAsync(
        Guid id, CrmDbContext db, ContractApprovals approvals, OutboxSignal outbox, ClaimsPrincipal user, CancellationToken ct)
    {
        var request = await db.ApprovalRequests.Where(r => r.ContractId == id).OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        var employeeId = await CustomersApi.ResolveEmployeeAsync(db, user.FindFirstValue(ClaimTypes.NameIdentifier), ct);
        var employee = employeeId is null ? null : await db.Employees.SingleAsync(e => e.Id == employeeId, ct);
        if (request is null || employee is null)
        {
            return TypedResults.NotFound();
        }
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var answer = await approvals.WithdrawAsync(request.Id, employee, ct);
        await transaction.CommitAsync(ct);
        outbox.Notify();
        if (!answer.Changed)
        {
            return TypedResults.Problem(CardText(answer.Card), statusCode: StatusCodes.Status409Conflict, title: "未撤回 Not withdrawn");
        }
        return TypedResults.Ok((await ViewAsync(db, id, ct))!);
    }

    private static string CardText(AdaptiveCard card) =>
        string.Join(" ", card.AllElements().OfType<TextBlock>().Select(t => t.Text));

    private static async Task<ContractView?> ViewAsync(CrmDbContext db, Guid id, CancellationToken ct)
    {
        var contract = await db.Contracts.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
        if (contract is null)
        {
            return null;
        }
        var request = await db.ApprovalRequests.AsNoTracking().Include(r => r.Steps).ThenInclude(s => s.Decisions)
            .AsSplitQuery()
            .Where(r => r.ContractId == id).OrderByDescending(r => r.CreatedAt).FirstOrDefaultAsync(ct);
        var names = await db.Employees.AsNoTracking().ToDictionaryAsync(e => e.Id, e => e.Name, ct);
        var decisions = request?.Steps.OrderBy(s => s.Order).SelectMany(s => s.Decisions.OrderBy(d => d.DecidedAt)
            .Select(d => new DecisionView(s.Name, names.GetValueOrDefault(d.ApproverId, "—"), d.Outcome.ToString(), d.Reason, d.Channel, d.DecidedAt))).ToList() ?? [];
        var keys = new List<string> { id.ToString() };
        if (request is not null)
        {
            keys.Add(request.Id.ToString());
        }
        // Entries written in one instant (a last decision and the contract's outcome) tie on At; their ids keep the order
        // they were made in. Sorted here because SQL Server orders uniqueidentifiers by other bytes.
        var entries = await db.AuditEntries.AsNoTracking().Where(a => keys.Contains(a.EntityId)).ToListAsync(ct);
        var trail = entries.OrderBy(a => a.At).ThenBy(a => a.Id).Select(a => new AuditView(a.Actor, a.Action, a.Before, a.After, a.At)).ToList();
        return new ContractView(contract.Id, contract.CustomerId, contract.Title, contract.Amount, contract.Currency, contract.Status.ToString(),
            request?.Id, request?.Status.ToString(), request?.CurrentStep, decisions, trail);
    }
}
