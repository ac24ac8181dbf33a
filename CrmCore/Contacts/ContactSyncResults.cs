namespace CrmChat.CrmCore.Contacts;

/// <summary>Why a snapshot is being applied; recorded with the activities it causes.</summary>
public enum ContactChangeSource
{
    /// <summary>A platform callback (WeCom change_external_contact) led to this fetch.</summary>
    Callback = 1,
    /// <summary>A full or nightly reconciliation sync.</summary>
    FullSync = 2,
}

public enum ContactApplyOutcome
{
    /// <summary>A new customer was created.</summary>
    Created = 1,
    /// <summary>An existing customer (same unionid or same phone and name) got this platform identity.</summary>
    Linked = 2,
    Updated = 3,
    Unchanged = 4,
}

/// <param name="ProbableDuplicateOf">
/// Set when a customer with the same phone but a different name exists: a new customer was
/// created and a merge candidate waits for a person to decide.
/// </param>
public sealed record ContactApplyResult(Guid CustomerId, ContactApplyOutcome Outcome, Guid? ProbableDuplicateOf = null);

public enum FollowChangeOutcome
{
    Applied = 1,
    /// <summary>Already in that state: a repeated event.</summary>
    AlreadyApplied = 2,
    /// <summary>The event is older than the relation (the customer was added again since).</summary>
    Stale = 3,
    UnknownCustomer = 4,
    UnknownEmployee = 5,
    UnknownRelation = 6,
}

public sealed record FollowChangeResult(FollowChangeOutcome Outcome, Guid? CustomerId = null, Guid? RelationId = null);

public sealed record TagCatalogResult(int Created, int Updated, int Deleted);

/// <summary>One contact of a full sync and where the source would resume after it.</summary>
/// <param name="ResumeState">
/// Opaque to CrmChat (the connector's cursor): handed back to the source after a crash, which
/// yields the contacts after this one. Re-yielding a few is harmless; applying is idempotent.
/// </param>
public sealed record FullSyncItem(ExternalContactSnapshot Contact, string ResumeState);

public sealed record FullSyncProgress(string Name, int Done, int Total);

public sealed record FullSyncResult(int Done, int Total, bool Resumed, int Created, int Updated, int Unchanged);
