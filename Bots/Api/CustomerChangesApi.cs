using System.Security.Claims;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Api;

/// <summary>Tags by name (or CrmChat id), for the follow relation of one employee.</summary>
public sealed record TagChangeRequest(string Employee, IReadOnlyList<string>? Add, IReadOnlyList<string>? Remove);

public sealed record MergeCandidateView(Guid Id, OwnerView Customer, OwnerView Other, string Reason, DateTimeOffset CreatedAt);

/// <summary>Changes to customers that CrmChat mirrors to the platform, and the merge-review list.</summary>
public static class CustomerChangesApi
{
    public static IEndpointRouteBuilder MapCustomerChangesApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/customers/{id:guid}/tags", ChangeTagsAsync).RequireAuthorization().WithTags("Customers")
            .WithSummary("Put tags on or take them off a customer for one follower; written to WeCom (mark_tag) first, then to the CRM.");
        app.MapGet("/api/merge-candidates", ListMergeCandidatesAsync)
            .RequireAuthorization(p => p.RequireRole(nameof(ApiRole.Admin), nameof(ApiRole.Manager))).WithTags("Customers")
            .WithSummary("Customers that are probably the same person (same phone, different name), waiting for a person to decide.");
        return app;
    }

    private static async Task<Results<Ok<TagChangeResult>, NotFound, ProblemHttpResult, ForbidHttpResult>> ChangeTagsAsync(
        Guid id, TagChangeRequest request, CrmDbContext db, TagMarking marking, ClaimsPrincipal user, CancellationToken ct)
    {
        var employeeId = await CustomersApi.ResolveEmployeeAsync(db, request.Employee, ct);
        if (employeeId is null || !await db.Customers.AnyAsync(c => c.Id == id, ct))
        {
            return TypedResults.NotFound();
        }
        if (user.IsInRole(nameof(ApiRole.Rep))
            && await CustomersApi.ResolveEmployeeAsync(db, user.FindFirstValue(ClaimTypes.NameIdentifier), ct) != employeeId)
        {
            return TypedResults.Forbid();
        }
        var platform = await db.FollowRelations.Where(r => r.CustomerId == id && r.EmployeeId == employeeId)
            .Select(r => (CrmCore.Platform?)r.Platform).FirstOrDefaultAsync(ct);
        try
        {
            var add = await TagIdsAsync(db, request.Add, platform, ct);
            var remove = await TagIdsAsync(db, request.Remove, platform, ct);
            return TypedResults.Ok(await marking.ChangeTagsAsync(id, employeeId.Value, add, remove, ct));
        }
        catch (TagChangeRejectedException ex)
        {
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status409Conflict, title: "标签未修改 / Tags not changed");
        }
        catch (WeComApiException ex)
        {
            // The platform refused: nothing changed in CrmChat either.
            return TypedResults.Problem(ex.Message, statusCode: StatusCodes.Status502BadGateway,
                title: "平台拒绝了修改，CrmChat 未做更改 / The platform refused the change; CrmChat changed nothing");
        }
    }

    /// <summary>Tag names resolve within the relation's platform first, so "重要" means the WeCom tag on a WeCom relation.</summary>
    private static async Task<List<Guid>> TagIdsAsync(CrmDbContext db, IReadOnlyList<string>? references, CrmCore.Platform? platform, CancellationToken ct)
    {
        var ids = new List<Guid>();
        foreach (var reference in references ?? [])
        {
            var asId = Guid.TryParse(reference, out var g) ? g : (Guid?)null;
            var matches = await db.Tags.Where(t => t.DeletedAt == null && (t.Id == asId || t.Name == reference || t.PlatformTagId == reference))
                .Select(t => new { t.Id, t.Platform }).ToListAsync(ct);
            var match = matches.FirstOrDefault(t => t.Platform == platform) ?? matches.FirstOrDefault();
            ids.Add(match?.Id ?? throw new TagChangeRejectedException(
                $"没有名为「{reference}」的标签。 / There is no tag named \"{reference}\"."));
        }
        return ids;
    }

    private static async Task<Ok<List<MergeCandidateView>>> ListMergeCandidatesAsync(CrmDbContext db, CancellationToken ct)
    {
        var open = await db.MergeCandidates.AsNoTracking().Where(m => m.Status == MergeCandidateStatus.Open)
            .OrderByDescending(m => m.CreatedAt).Take(500).ToListAsync(ct);
        var ids = open.SelectMany(m => new[] { m.CustomerId, m.OtherCustomerId }).Distinct().ToList();
        var names = await db.Customers.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return TypedResults.Ok(open.Select(m => new MergeCandidateView(m.Id,
            new OwnerView(m.CustomerId, names.GetValueOrDefault(m.CustomerId, "?")),
            new OwnerView(m.OtherCustomerId, names.GetValueOrDefault(m.OtherCustomerId, "?")),
            m.Reason, m.CreatedAt)).ToList());
    }
}
