using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Auditing;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.FollowUps;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;

namespace CrmChat.CrmCore.Data;

/// <summary>Keys, lengths, constraints and the indexes behind the hot queries.</summary>
internal static class CrmModel
{
    private const int NameLength = 200;
    private const int IdLength = 128;

    public static void Configure(ModelBuilder b)
    {
        ConfigureTeam(b);
        ConfigureCustomers(b);
        ConfigureTags(b);
        ConfigureWork(b);
        ConfigureApprovals(b);
        ConfigureMessaging(b);
    }

    private static void ConfigureTeam(ModelBuilder b)
    {
        b.Entity<Employee>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.Property(x => x.WeComUserId).HasMaxLength(IdLength);
            e.Property(x => x.DingTalkUserId).HasMaxLength(IdLength);
            e.Property(x => x.Mobile).HasMaxLength(32);
            e.Property(x => x.Email).HasMaxLength(NameLength);
            e.HasIndex(x => x.WeComUserId).IsUnique();
            e.HasIndex(x => x.DingTalkUserId).IsUnique();
            e.HasOne(x => x.Manager).WithMany().HasForeignKey(x => x.ManagerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne(x => x.Team).WithMany(t => t.Members).HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.SetNull);
        });
        b.Entity<SalesTeam>(e =>
        {
            e.ToTable("Teams");
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.HasIndex(x => x.Name).IsUnique();
            e.Property(x => x.TimeZone).HasMaxLength(64);
            e.HasMany(x => x.ChatTargets).WithOne().HasForeignKey(x => x.TeamId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<TeamChatTarget>(e =>
        {
            e.Property(x => x.Address).HasMaxLength(512);
            e.Property(x => x.Secret).HasMaxLength(256);
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.HasIndex(x => new { x.Kind, x.Address }).IsUnique();
        });
    }

    private static void ConfigureCustomers(ModelBuilder b)
    {
        b.Entity<Customer>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.Property(x => x.Company).HasMaxLength(NameLength);
            e.Property(x => x.Email).HasMaxLength(NameLength);
            e.Property(x => x.Source).HasMaxLength(32);
            e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
            e.HasIndex(x => x.Name);
            e.HasIndex(x => x.OwnerId);
            e.HasOne(x => x.Owner).WithMany().HasForeignKey(x => x.OwnerId).OnDelete(DeleteBehavior.SetNull);
            e.HasMany(x => x.Phones).WithOne().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Identities).WithOne().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Followers).WithOne(f => f.Customer).HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Tags).WithOne().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<CustomerPhone>(e =>
        {
            e.Property(x => x.E164).HasMaxLength(32);
            e.Property(x => x.Label).HasMaxLength(64);
            e.HasIndex(x => x.E164);
            e.HasIndex(x => new { x.CustomerId, x.E164 }).IsUnique();
        });
        b.Entity<CustomerIdentity>(e =>
        {
            e.Property(x => x.ExternalId).HasMaxLength(IdLength);
            e.Property(x => x.UnionId).HasMaxLength(IdLength);
            e.Property(x => x.DisplayName).HasMaxLength(NameLength);
            e.Property(x => x.Avatar).HasMaxLength(1024);
            e.HasIndex(x => new { x.Platform, x.ExternalId }).IsUnique();
            e.HasIndex(x => x.UnionId);
        });
        b.Entity<FollowRelation>(e =>
        {
            e.Property(x => x.Remark).HasMaxLength(NameLength);
            e.Property(x => x.Description).HasMaxLength(1024);
            e.Property(x => x.RemarkCompany).HasMaxLength(NameLength);
            e.Property(x => x.State).HasMaxLength(64);
            e.Property(x => x.TransferFailReason).HasMaxLength(64);
            // EF's built-in comparer for a list of strings compiles a nested lambda on every
            // comparison (a DynamicMethod each time, then its finalizer): change detection over a
            // sync batch spent more time there and in the finalizer thread than in saving.
            e.PrimitiveCollection(x => x.RemarkMobiles).Metadata.SetValueComparer(new ValueComparer<List<string>>(
                (a, b) => a == b || (a != null && b != null && a.SequenceEqual(b)),
                list => StringListHash(list),
                list => list.ToList()));
            e.HasIndex(x => new { x.CustomerId, x.EmployeeId }).IsUnique();
            e.HasIndex(x => new { x.EmployeeId, x.EndedAt });
            e.HasOne(x => x.Employee).WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
            e.HasMany(x => x.Tags).WithOne().HasForeignKey(x => x.FollowRelationId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<MergeCandidate>(e =>
        {
            e.Property(x => x.Reason).HasMaxLength(256);
            e.HasIndex(x => new { x.CustomerId, x.OtherCustomerId }).IsUnique();
            e.HasIndex(x => x.Status);
            e.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Customer>().WithMany().HasForeignKey(x => x.OtherCustomerId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    private static int StringListHash(List<string> list)
    {
        var hash = new HashCode();
        foreach (var item in list)
        {
            hash.Add(item, StringComparer.Ordinal);
        }
        return hash.ToHashCode();
    }

    private static void ConfigureTags(ModelBuilder b)
    {
        b.Entity<TagGroup>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.Property(x => x.PlatformGroupId).HasMaxLength(IdLength);
            e.HasIndex(x => new { x.Platform, x.PlatformGroupId }).IsUnique();
            e.HasMany(x => x.Tags).WithOne(t => t.Group).HasForeignKey(x => x.GroupId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Tag>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.Property(x => x.PlatformTagId).HasMaxLength(IdLength);
            e.HasIndex(x => new { x.Platform, x.PlatformTagId }).IsUnique();
            e.HasIndex(x => new { x.GroupId, x.Name });
        });
        b.Entity<CustomerTag>(e =>
        {
            e.HasKey(x => new { x.CustomerId, x.TagId });
            e.HasIndex(x => x.TagId);
            e.HasOne(x => x.Tag).WithMany().HasForeignKey(x => x.TagId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<FollowRelationTag>(e =>
        {
            e.HasKey(x => new { x.FollowRelationId, x.TagId });
            e.HasIndex(x => x.TagId);
            e.HasOne(x => x.Tag).WithMany().HasForeignKey(x => x.TagId).OnDelete(DeleteBehavior.Cascade);
        });
    }

    private static void ConfigureWork(ModelBuilder b)
    {
        b.Entity<FollowUp>(e =>
        {
            e.Property(x => x.Note).HasMaxLength(2000);
            e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
            // The reminder scan: pending follow-ups in due order, cost grows with what is due.
            e.HasIndex(x => new { x.Status, x.DueAt });
            e.HasIndex(x => new { x.OwnerId, x.Status, x.DueAt });
            e.HasIndex(x => x.CustomerId);
            e.HasOne(x => x.Customer).WithMany().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<Employee>().WithMany().HasForeignKey(x => x.OwnerId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<Activity>(e =>
        {
            e.Property(x => x.Text).HasMaxLength(4000);
            e.HasIndex(x => new { x.CustomerId, x.OccurredAt });
            e.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Deal>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(NameLength);
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
            e.HasIndex(x => x.CustomerId);
            e.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<Contract>(e =>
        {
            e.Property(x => x.Title).HasMaxLength(NameLength);
            e.Property(x => x.Currency).HasMaxLength(3);
            e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
            e.HasIndex(x => x.CustomerId);
            e.HasIndex(x => x.Status);
            e.HasOne<Customer>().WithMany().HasForeignKey(x => x.CustomerId).OnDelete(DeleteBehavior.Restrict);
            e.HasOne<Deal>().WithMany().HasForeignKey(x => x.DealId).OnDelete(DeleteBehavior.SetNull);
            e.HasOne<Employee>().WithMany().HasForeignKey(x => x.RequesterId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    private static void ConfigureApprovals(ModelBuilder b)
    {
        b.Entity<ApprovalRequest>(e =>
        {
            e.Property(x => x.ExternalInstanceId).HasMaxLength(IdLength);
            e.Property(x => x.ConcurrencyStamp).IsConcurrencyToken();
            e.HasIndex(x => new { x.Status, x.CreatedAt });
            e.HasIndex(x => x.ContractId);
            e.HasIndex(x => new { x.Platform, x.ExternalInstanceId }).IsUnique();
            e.HasOne<Contract>().WithMany().HasForeignKey(x => x.ContractId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Steps).WithOne().HasForeignKey(x => x.RequestId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ApprovalStep>(e =>
        {
            e.Property(x => x.Name).HasMaxLength(NameLength);
            e.HasIndex(x => new { x.RequestId, x.Order }).IsUnique();
            e.HasMany(x => x.Approvers).WithOne().HasForeignKey(x => x.StepId).OnDelete(DeleteBehavior.Cascade);
            e.HasMany(x => x.Decisions).WithOne().HasForeignKey(x => x.StepId).OnDelete(DeleteBehavior.Cascade);
        });
        b.Entity<ApprovalStepApprover>(e =>
        {
            e.HasKey(x => new { x.StepId, x.EmployeeId });
            e.Property(x => x.CardId).HasMaxLength(IdLength);
            e.Property(x => x.ResponseCode).HasMaxLength(256);
            e.HasIndex(x => x.CardId);
            e.HasOne<Employee>().WithMany().HasForeignKey(x => x.EmployeeId).OnDelete(DeleteBehavior.Restrict);
        });
        b.Entity<ApprovalDecision>(e =>
        {
            e.Property(x => x.Reason).HasMaxLength(1000);
            e.Property(x => x.Channel).HasMaxLength(256);
            // One decision per approver per step: a repeated click cannot decide twice.
            e.HasIndex(x => new { x.StepId, x.ApproverId }).IsUnique();
            e.HasOne<Employee>().WithMany().HasForeignKey(x => x.ApproverId).OnDelete(DeleteBehavior.Restrict);
        });
    }

    private static void ConfigureMessaging(ModelBuilder b)
    {
        b.Entity<InboxEvent>(e =>
        {
            e.ToTable("Inbox");
            e.Property(x => x.EventType).HasMaxLength(128);
            e.Property(x => x.DedupeKey).HasMaxLength(256);
            e.Property(x => x.OrderingKey).HasMaxLength(IdLength);
            e.Property(x => x.LastError).HasMaxLength(2000);
            e.HasIndex(x => x.DedupeKey).IsUnique();
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => new { x.OrderingKey, x.Status });
        });
        b.Entity<OutboxMessage>(e =>
        {
            e.ToTable("Outbox");
            e.Property(x => x.TargetKind).HasMaxLength(32);
            e.Property(x => x.Target).HasMaxLength(OutboxMessage.MaxTargetLength);
            e.Property(x => x.DedupeKey).HasMaxLength(OutboxMessage.MaxDedupeKeyLength);
            e.Property(x => x.LastError).HasMaxLength(2000);
            e.Property(x => x.CardId).HasMaxLength(OutboxMessage.MaxCardIdLength);
            e.Property(x => x.PlatformMessageId).HasMaxLength(IdLength);
            e.Property(x => x.UpdateToken).HasMaxLength(256);
            e.HasIndex(x => x.DedupeKey).IsUnique();
            e.HasIndex(x => new { x.Status, x.NextAttemptAt });
            e.HasIndex(x => x.CardId);
        });
        b.Entity<SyncCheckpoint>(e =>
        {
            e.HasKey(x => x.Name);
            e.Property(x => x.Name).HasMaxLength(IdLength);
        });
        b.Entity<AuditEntry>(e =>
        {
            e.Property(x => x.Actor).HasMaxLength(IdLength);
            e.Property(x => x.EntityType).HasMaxLength(64);
            e.Property(x => x.EntityId).HasMaxLength(IdLength);
            e.Property(x => x.Action).HasMaxLength(64);
            e.HasIndex(x => new { x.EntityType, x.EntityId, x.At });
        });
    }
}
