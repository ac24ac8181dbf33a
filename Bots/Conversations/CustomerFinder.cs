using CrmChat.CrmCore.Conversations;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Conversations;

/// <summary>
/// Finds the customers a rep means: by phone (any written form, already E.164), else by exact
/// name, then by a follower's remark name, then by a name or company prefix. An exact match
/// wins over prefixes, so "张三" is not confused with "张三丰".
/// </summary>
internal sealed class CustomerFinder(CrmDbContext db)
{
    public async Task<List<Customer>> FindAsync(CustomerRef reference, int limit, CancellationToken ct)
    {
        var customers = db.Customers.Include(c => c.Followers).AsSplitQuery();
        if (reference.Phone is { } phone)
        {
            return await customers.Where(c => c.Phones.Any(p => p.E164 == phone)).OrderBy(c => c.CreatedAt).Take(limit).ToListAsync(ct);
        }
        var text = reference.Text.Trim();
        if (text.Length == 0)
        {
            return [];
        }
        var exact = await customers.Where(c => c.Name == text).OrderBy(c => c.CreatedAt).Take(limit).ToListAsync(ct);
        if (exact.Count > 0)
        {
            return exact;
        }
        var byRemark = await customers.Where(c => c.Followers.Any(f => f.EndedAt == null && f.Remark == text))
            .OrderBy(c => c.CreatedAt).Take(limit).ToListAsync(ct);
        if (byRemark.Count > 0)
        {
            return byRemark;
        }
        // Case-insensitive for Latin names ("zhang" finds "Zhang San"); lower() is the same on every provider.
        var lower = text.ToLowerInvariant();
        return await customers
            .Where(c => c.Name.ToLower().StartsWith(lower) || (c.Company != null && c.Company.ToLower().StartsWith(lower)))
            .OrderBy(c => c.Name).Take(limit).ToListAsync(ct);
    }
}
