using System.Security.Claims;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Phones;
using CrmChat.CrmCore.Team;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Api;

public sealed record OwnerView(Guid Id, string Name);
public sealed record IdentityView(string Platform, string ExternalId, string? UnionId);
public sealed record FollowerView(OwnerView Employee, string? Remark, string? Description, DateTimeOffset AddedAt, DateTimeOffset? EndedAt, string? EndReason, IReadOnlyList<string> Tags);
public sealed record CustomerView(
    Guid Id, string Name, string? Company, IReadOnlyList<string> Phones, string? Email, string Stage, string? Source,
    OwnerView? Owner, IReadOnlyList<string> Tags, IReadOnlyList<IdentityView> Identities, IReadOnlyList<FollowerView> Followers,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
public sealed record CustomerPage(IReadOnlyList<CustomerView> Items, int Page, int PageSize, int Total);

public static class CustomersApi
{
    public const int MaxPageSize = 100;

    public static IEndpointRouteBuilder MapCustomersApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/customers").RequireAuthorization().WithTags("Customers");
        api.MapGet("/", ListAsync).WithSummary("Customers visible to the caller, newest first; q matches name, company, phone or platform id.");
        api.MapGet("/{id:guid}", GetAsync).WithSummary("One customer with phones, tags, platform identities and followers.");
        return app;
    }

    private static async Task<Results<Ok<CustomerPage>, ValidationProblem>> ListAsync(
        CrmDbContext db, ClaimsPrincipal user, string? q, int? page, int? pageSize, CancellationToken ct)
    {
        var p = page ?? 1;
        var size = pageSize ?? 20;
        var errors = new Dictionary<string, string[]>();
        if (p < 1)
        {
            errors["page"] = ["page starts at 1."];
        }
        if (size is < 1 or > MaxPageSize)
        {
            errors["pageSize"] = [$"pageSize must be between 1 and {MaxPageSize}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var query = await VisibleToAsync(db, user, ct);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var text = q.Trim();
            var phone = text.Any(char.IsAsciiDigit) ? PhoneNumber.Normalize(text) : null;
            query = query.Where(c => c.Name.Contains(text)
                || (c.Company != null && c.Company.Contains(text))
                || c.Identities.Any(i => i.ExternalId == text)
                || (phone != null && c.Phones.Any(x => x.E164 == phone)));
        }
        var total = await query.CountAsync(ct);
        var ids = await query.OrderByDescending(c => c.CreatedAt).ThenBy(c => c.Id)
            .Skip((p - 1) * size).Take(size).Select(c => c.Id).ToListAsync(ct);
        var views = await LoadViewsAsync(db, ids, ct);
        return TypedResults.Ok(new CustomerPage(ids.Select(id => views[id]).ToList(), p, size, total));
    }

    private static async Task<Results<Ok<CustomerView>, NotFound>> GetAsync(Guid id, CrmDbContext db, ClaimsPrincipal user, CancellationToken ct)
    {
        var query = await VisibleToAsync(db, user, ct);
        if (!await query.AnyAsync(c => c.Id == id, ct))
        {
            return TypedResults.NotFound();
        }
        var views = await LoadViewsAsync(db, [id], ct);
        return TypedResults.Ok(views[id]);
    }

    /// <summary>Admins and managers see every customer; a rep sees the ones they own or follow.</summary>
    private static async Task<IQueryable<Customer>> VisibleToAsync(CrmDbContext db, ClaimsPrincipal user, CancellationToken ct)
    {
        if (user.IsInRole(nameof(ApiRole.Admin)) || user.IsInRole(nameof(ApiRole.Manager)))
        {
            return db.Customers;
        }
        var employeeId = await ResolveEmployeeAsync(db, user.FindFirstValue(ClaimTypes.NameIdentifier), ct);
        if (employeeId is null)
        {
            return db.Customers.Where(_ => false);
        }
        return db.Customers.Where(c => c.OwnerId == employeeId || c.Followers.Any(f => f.EmployeeId == employeeId && f.EndedAt == null));
    }

    internal static async Task<Guid?> ResolveEmployeeAsync(CrmDbContext db, string? reference, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(reference))
        {
            return null;
        }
        var asGuid = Guid.TryParse(reference, out var g) ? g : (Guid?)null;
        return await db.Employees
            .Where(e => e.Id == asGuid || e.WeComUserId == reference || e.DingTalkUserId == reference)
            .Select(e => (Guid?)e.Id).FirstOrDefaultAsync(ct);
    }

    private static async Task<Dictionary<Guid, CustomerView>> LoadViewsAsync(CrmDbContext db, IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        var customers = await db.Customers.AsNoTracking().AsSplitQuery()
            .Where(c => ids.Contains(c.Id))
            .Include(c => c.Owner)
            .Include(c => c.Phones)
            .Include(c => c.Identities)
            .Include(c => c.Tags).ThenInclude(t => t.Tag)
            .Include(c => c.Followers).ThenInclude(f => f.Employee)
            .Include(c => c.Followers).ThenInclude(f => f.Tags).ThenInclude(t => t.Tag)
            .ToListAsync(ct);
        return customers.ToDictionary(c => c.Id, ToView);
    }

    private static CustomerView ToView(Customer c)
    {
        static OwnerView Person(Employee e) => new(e.Id, e.Name);
        var followerTags = c.Followers.Where(f => f.IsActive).SelectMany(f => f.Tags).Select(t => t.Tag!);
        var tags = c.Tags.Select(t => t.Tag!).Concat(followerTags)
            .Where(t => t.DeletedAt is null).Select(t => t.Name).Distinct().Order(StringComparer.Ordinal).ToList();
        return new CustomerView(
            c.Id, c.Name, c.Company,
            c.Phones.Select(p => p.E164).ToList(),
            c.Email, c.Stage.ToString(), c.Source,
            c.Owner is null ? null : Person(c.Owner),
            tags,
            c.Identities.Select(i => new IdentityView(i.Platform.ToString(), i.ExternalId, i.UnionId)).ToList(),
            c.Followers.OrderBy(f => f.AddedAt).Select(f => new FollowerView(
                Person(f.Employee!), f.Remark, f.Description, f.AddedAt, f.EndedAt, f.EndReason?.ToString(),
                f.Tags.Select(t => t.Tag!).Where(t => t.DeletedAt is null).Select(t => t.Name).Order(StringComparer.Ordinal).ToList())).ToList(),
            c.CreatedAt, c.UpdatedAt);
    }
}
