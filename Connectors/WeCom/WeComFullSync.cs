using System.Globalization;
using System.Runtime.CompilerServices;
using CrmChat.Connectors.WeCom.Api;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging;

namespace CrmChat.Connectors.WeCom;

/// <summary>
/// Pulls every member's customers and the tag catalogue from WeCom and repairs what the CRM
/// missed (lost callbacks, changes made elsewhere), without duplicating anything. Progress is
/// saved with each batch, so a sync that crashed resumes from its last page.
/// </summary>
public sealed partial class WeComFullSync(
    IWeComExternalContactClient client,
    ContactSync sync,
    CrmDbContext db,
    ILogger<WeComFullSync> logger)
{
    public const string Name = "wecom/full-sync";
    private const int MembersPerCall = WeComExternalContactClient.MaxUsersPerBatch;
    // Ten pages a transaction: the per-batch lookups and the commit's disk sync are paid once per
    // thousand relations, and a crash re-reads at most ten pages.
    private const int ContactsPerBatch = 1000;

    public async Task<FullSyncResult> RunAsync(IProgress<FullSyncProgress>? progress = null, CancellationToken ct = default)
    {
        var groups = await client.GetCorpTagListAsync(cancellationToken: ct);
        var catalogue = await sync.ApplyTagCatalogAsync(Platform.WeCom, WeComContactMapping.ToCatalog(groups), ct);
        LogCatalogue(catalogue.Created, catalogue.Updated, catalogue.Deleted);
        var tags = WeComContactMapping.TagIndex(groups);

        // A stable order, so a resumed sync finds its page again.
        var members = (await client.GetFollowUserListAsync(ct)).Order(StringComparer.Ordinal).ToList();
        var total = 0;
        foreach (var member in members)
        {
            total += (await client.ListContactIdsAsync(member, ct)).Count;
        }
        LogStart(members.Count, total);
        return await sync.RunFullSyncAsync(Name, (resume, token) => Contacts(members, tags, resume, token), total, progress, ContactsPerBatch, ct);
    }

    /// <summary>Where the saved sync stands, for the API.</summary>
    public Task<CrmCore.Messaging.SyncCheckpoint?> ProgressAsync(CancellationToken ct) =>
        db.SyncCheckpoints.AsNoTracking().FirstOrDefaultAsync(c => c.Name == Name, ct);

    /// <summary>
    /// One item per (customer, member) relation. The resume state names the member chunk and
    /// the cursor of the page an item came from; resuming re-reads that page, which is safe
    /// because applying a contact twice changes nothing.
    /// </summary>
    private async IAsyncEnumerable<FullSyncItem> Contacts(
        List<string> members, IReadOnlyDictionary<string, TagRef> tags, string? resume, [EnumeratorCancellation] CancellationToken ct)
    {
        var (firstChunk, firstCursor) = ParseResume(resume);
        var chunks = members.Chunk(MembersPerCall).ToList();
        for (var chunk = firstChunk; chunk < chunks.Count; chunk++)
        {
            var cursor = chunk == firstChunk ? firstCursor : null;
            while (true)
            {
                var page = await client.GetContactsByUserAsync(chunks[chunk], cursor, 100, ct);
                var state = string.Create(CultureInfo.InvariantCulture, $"{chunk}|{cursor}");
                foreach (var entry in page.ExternalContactList)
                {
                    yield return new FullSyncItem(WeComContactMapping.ToSnapshot(entry, tags), state);
                }
                if (string.IsNullOrEmpty(page.NextCursor))
                {
                    break;
                }
                cursor = page.NextCursor;
            }
        }
    }

    private static (int Chunk, string? Cursor) ParseResume(string? resume)
    {
        if (string.IsNullOrEmpty(resume))
        {
            return (0, null);
        }
        var bar = resume.IndexOf('|', StringComparison.Ordinal);
        return bar > 0 && int.TryParse(resume.AsSpan(0, bar), NumberStyles.None, CultureInfo.InvariantCulture, out var chunk)
            ? (chunk, bar + 1 < resume.Length ? resume[(bar + 1)..] : null)
            : (0, null);
    }

    [LoggerMessage(LogLevel.Information, "WeCom full sync: tag catalogue {Created} created, {Updated} updated, {Deleted} deleted")]
    private partial void LogCatalogue(int created, int updated, int deleted);

    [LoggerMessage(LogLevel.Information, "WeCom full sync: {Members} members, {Total} customer relations")]
    private partial void LogStart(int members, int total);
}
