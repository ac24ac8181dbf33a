using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Team;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Api;

public sealed record EmployeeView(Guid Id, string Name, string? WeComUserId, string? DingTalkUserId, string Status, DateTimeOffset? LeftAt, Guid? ManagerId);

/// <summary>The people CrmChat knows from the platforms' directories, and what a leaver hands over.</summary>
public static class EmployeesApi
{
    public static IEndpointRouteBuilder MapEmployeesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/employees").RequireAuthorization(p => p.RequireRole(nameof(ApiRole.Admin), nameof(ApiRole.Manager)))
            .WithTags("Employees");
        api.MapGet("/", ListAsync).WithSummary("Employees, active first (admins and managers).");
        api.MapGet("/{id:guid}/handover", HandoverAsync)
            .WithSummary("What an employee owns or follows: customers, open follow-ups, pending approvals — the list to hand over when they leave.");
        return app;
    }

    private static async Task<Ok<List<EmployeeView>>> ListAsync(CrmDbContext db, CancellationToken ct)
    {
        var rows = await db.Employees.AsNoTracking().OrderBy(e => e.Status).ThenBy(e => e.Name).Take(2000).ToListAsync(ct);
        return TypedResults.Ok(rows.Select(e => new EmployeeView(e.Id, e.Name, e.WeComUserId, e.DingTalkUserId, e.Status.ToString(), e.LeftAt, e.ManagerId)).ToList());
    }

    private static async Task<Results<Ok<HandoverList>, NotFound>> HandoverAsync(Guid id, EmployeeDirectory directory, CancellationToken ct) =>
        await directory.HandoverAsync(id, ct) is { } list ? TypedResults.Ok(list) : TypedResults.NotFound();
}
