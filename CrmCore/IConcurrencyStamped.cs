namespace CrmChat.CrmCore;

/// <summary>
/// An entity saved with optimistic concurrency. The stamp changes on every save, so two
/// writers that read the same version cannot both win; it works the same on every provider.
/// </summary>
public interface IConcurrencyStamped
{
    Guid ConcurrencyStamp { get; set; }
}
