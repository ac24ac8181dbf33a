namespace CrmChat.CrmCore.Contacts;

/// <summary>
/// Writes a follow relation's tags on the platform (WeCom externalcontact/mark_tag).
/// Implemented per platform in Connectors; the platform sends no callback for this change,
/// so <see cref="TagMarking"/> updates CrmChat's own state once the call succeeds.
/// </summary>
public interface IPlatformTagWriter
{
    Platform Platform { get; }

    /// <summary>Throws when the platform refuses; CrmChat then changes nothing.</summary>
    Task MarkTagAsync(
        string employeeUserId,
        string externalId,
        IReadOnlyList<string> addPlatformTagIds,
        IReadOnlyList<string> removePlatformTagIds,
        CancellationToken ct);
}
