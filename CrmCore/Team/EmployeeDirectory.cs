using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Phones;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.CrmCore.Team;

/// <summary>An employee as the platform's directory shows them.</summary>
public sealed record EmployeeSnapshot(Platform Platform, string UserId, string Name, string? Mobile, string? Email, string? ManagerUserId);

/// <summary>What a leaver leaves behind, for whoever takes it over.</summary>
public sealed record HandoverList(
    Guid EmployeeId,
    string Name,
    IReadOnlyList<Guid> OwnedCustomers,
    IReadOnlyList<Guid> FollowedCustomers,
    IReadOnlyList<Guid> OpenFollowUps,
    IReadOnlyList<Guid> PendingApprovals);

/// <summary>Employees from the platforms' directories: joiners, changes, leavers.</summary>
public sealed class EmployeeDirectory(CrmDbContext db, TimeProvider clock)
{
    /// <summary>Creates or updates the employee; an employee who comes back is active again.</summary>
    public async Task<Employee> UpsertAsync(EmployeeSnapshot snapshot, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var employee = await FindAsync(snapshot.Platform, snapshot.UserId, ct);
        var before = employee is null ? null : Describe(employee);
        if (employee is null)
        {
            employee = new Employee { Name = snapshot.Name, CreatedAt = now, UpdatedAt = now };
            SetUserId(employee, snapshot.Platform, snapshot.UserId);
            db.Employees.Add(employee);
        }
        employee.Name = string.IsNullOrWhiteSpace(snapshot.Name) ? employee.Name : snapshot.Name;
        employee.Mobile = PhoneNumber.Normalize(snapshot.Mobile) ?? employee.Mobile;
        employee.Email = snapshot.Email ?? employee.Email;
        employee.Status = EmployeeStatus.Active;
        employee.LeftAt = null;
        if (snapshot.ManagerUserId is { Length: > 0 } managerUserId)
        {
            var manager = await FindAsync(snapshot.Platform, managerUserId, ct);
            employee.ManagerId = manager?.Id ?? employee.ManagerId;
        }
        var after = Describe(employee);
        if (before != after)
        {
            employee.UpdatedAt = now;
            db.AuditEntries.Add(new AuditEntry
            {
                Actor = snapshot.Platform.ToString().ToLowerInvariant(), EntityType = nameof(Employee), EntityId = employee.Id.ToString(),
                Action = before is null ? "joined" : "updated", Before = before, After = after, At = now,
            });
        }
        await db.SaveChangesAsync(ct);
        return employee;
    }

    /// <summary>Marks the employee as left (their customers stay) and lists what needs a new owner.</summary>
    public async Task<HandoverList?> MarkLeftAsync(Platform platform, string userId, DateTimeOffset at, CancellationToken ct)
    {
        var employee = await FindAsync(platform, userId, ct);
        if (employee is null)
        {
            return null;
        }
        if (employee.Status != EmployeeStatus.Left)
        {
            employee.Status = EmployeeStatus.Left;
            employee.LeftAt = at;
            employee.UpdatedAt = clock.GetUtcNow();
            db.AuditEntries.Add(new AuditEntry
            {
                Actor = platform.ToString().ToLowerInvariant(), EntityType = nameof(Employee), EntityId = employee.Id.ToString(),
                Action = "left", After = $"left at {at:O}", At = clock.GetUtcNow(),
            });
            await db.SaveChangesAsync(ct);
        }
        return await HandoverAsync(employee.Id, ct);
    }

    /// <summary>
    /// Reads every active employee with an id on <paramref name="platform"/> again through
    /// <paramref name="read"/> (null: the platform no longer knows them): those it knows are
    /// updated, the others marked left. Returns how many were read and what the leavers left.
    /// </summary>
    public async Task<(int Checked, IReadOnlyList<HandoverList> Left)> RereadAsync(
        Platform platform, Func<string, CancellationToken, Task<EmployeeSnapshot?>> read, CancellationToken ct)
    {
        var active = db.Employees.AsNoTracking().Where(e => e.Status == EmployeeStatus.Active);
        var userIds = platform == Platform.WeCom
            ? await active.Where(e => e.WeComUserId != null).OrderBy(e => e.WeComUserId).Select(e => e.WeComUserId!).ToListAsync(ct)
            : await active.Where(e => e.DingTalkUserId != null).OrderBy(e => e.DingTalkUserId).Select(e => e.DingTalkUserId!).ToListAsync(ct);
        var left = new List<HandoverList>();
        foreach (var userId in userIds)
        {
            if (await read(userId, ct) is { } snapshot)
            {
                await UpsertAsync(snapshot, ct);
            }
            else if (await MarkLeftAsync(platform, userId, clock.GetUtcNow(), ct) is { } handover)
            {
                left.Add(handover);
            }
        }
        return (userIds.Count, left);
    }

    public async Task<HandoverList?> HandoverAsync(Guid employeeId, CancellationToken ct)
    {
        var employee = await db.Employees.AsNoTracking().FirstOrDefaultAsync(e => e.Id == employeeId, ct);
        if (employee is null)
        {
            return null;
        }
        var owned = await db.Customers.Where(c => c.OwnerId == employeeId).Select(c => c.Id).ToListAsync(ct);
        var followed = await db.FollowRelations.Where(r => r.EmployeeId == employeeId && r.EndedAt == null).Select(r => r.CustomerId).ToListAsync(ct);
        var followUps = await db.FollowUps
            .Where(f => f.OwnerId == employeeId && (f.Status == FollowUpStatus.Pending || f.Status == FollowUpStatus.Snoozed))
            .Select(f => f.Id).ToListAsync(ct);
        var approvals = await db.ApprovalSteps
            .Where(s => s.Status == ApprovalStatus.Pending && s.Approvers.Any(a => a.EmployeeId == employeeId))
            .Select(s => s.RequestId).Distinct().ToListAsync(ct);
        return new HandoverList(employee.Id, employee.Name, owned, followed, followUps, approvals);
    }

    private Task<Employee?> FindAsync(Platform platform, string userId, CancellationToken ct) => platform switch
    {
        Platform.WeCom => db.Employees.FirstOrDefaultAsync(e => e.WeComUserId == userId, ct),
        Platform.DingTalk => db.Employees.FirstOrDefaultAsync(e => e.DingTalkUserId == userId, ct),
        _ => Task.FromResult<Employee?>(null),
    };

    private static void SetUserId(Employee employee, Platform platform, string userId)
    {
        if (platform == Platform.WeCom)
        {
            employee.WeComUserId = userId;
        }
        else
        {
            employee.DingTalkUserId = userId;
        }
    }

    // Phone numbers are masked: audit entries are read by people who need not see them.
    private static string Describe(Employee e) =>
        $"name={e.Name}; mobile={PhoneNumber.Mask(e.Mobile)}; email={e.Email}; manager={e.ManagerId}; status={e.Status}";
}
