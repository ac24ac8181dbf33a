using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Deals;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace CrmChat.CrmCore.Tests.Approvals;

/// <summary>
/// How ContractApprovals follows a platform's approval app, given the app's views directly (the
/// real apps, behind the same port, are tested against the Sandbox in Connectors and end to end).
/// </summary>
public sealed class NativeApprovalTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    /// <summary>Files whatever it is given under the next id, or refuses as told.</summary>
    private sealed class ApprovalApp : INativeApprovals
    {
        public List<NativeApprovalApplication> Filed { get; } = [];
        public NativeApprovalException? Refuse { get; set; }
        public Platform Platform => Platform.WeCom;

        public Task<string> StartAsync(NativeApprovalApplication application, CancellationToken ct)
        {
            if (Refuse is { } refusal)
            {
                throw refusal;
            }
            Filed.Add(application);
            return Task.FromResult($"20261123{Filed.Count:D4}");
        }

        public Task<NativeApprovalSnapshot> GetAsync(string instanceId, CancellationToken ct) => throw new NotSupportedException();
    }

    private sealed class Desk(TestDatabase database, ApprovalApp app, FakeTimeProvider clock) : IAsyncDisposable
    {
        public TestDatabase Database => database;
        public ApprovalApp App => app;
        public FakeTimeProvider Clock => clock;

        public ContractApprovals Approvals(CrmDbContext db) => new(db, clock, Options.Create(new ApprovalOptions
        {
            Rules =
            [
                new() { Name = "all", Steps =
                [
                    new() { Name = "经理", Approvers = ["manager"] },
                    new() { Name = "总监", Rule = StepRule.AnyOf, Approvers = ["user:director1", "user:director2"] },
                ] },
            ],
            WeCom = new() { Mode = PlatformApprovalMode.Native },
        }), [app]);

        public async Task<(Guid Contract, string Instance)> SubmitAsync()
        {
            await using var db = database.NewContext();
            var rep = await db.Employees.SingleAsync(e => e.WeComUserId == "zhangsan");
            var contract = new Contract
            {
                CustomerId = await db.Customers.Select(c => c.Id).SingleAsync(), Title = "年度服务", Amount = 80_000m, RequesterId = rep.Id,
                CreatedAt = Now, UpdatedAt = Now,
            };
            db.Contracts.Add(contract);
            await db.SaveChangesAsync();
            var answer = await Approvals(db).SubmitAsync(contract, rep, Platform.WeCom, default);
            Assert.True(answer.Changed, answer.Card.ToJson());
            return (contract.Id, (await db.ApprovalRequests.SingleAsync(r => r.ContractId == contract.Id)).ExternalInstanceId!);
        }

        public async Task<NativeApplyResult> ApplyAsync(string instance, NativeApprovalState state, params NativeApprovalDecision[] decisions)
        {
            await using var db = database.NewContext();
            return await Approvals(db).ApplyNativeAsync(Platform.WeCom, new NativeApprovalSnapshot(instance, state, decisions), default);
        }

        public async Task<(ContractStatus Contract, ApprovalStatus Request, int Decisions, int Audit, int Outbox)> StateAsync()
        {
            await using var db = database.NewContext();
            return ((await db.Contracts.SingleAsync()).Status, (await db.ApprovalRequests.SingleAsync()).Status, await db.ApprovalDecisions.CountAsync(),
                await db.AuditEntries.CountAsync(), await db.OutboxMessages.CountAsync());
        }

        public async ValueTask DisposeAsync() => await database.DisposeAsync();
    }

    private static async Task<Desk> StartAsync(DatabaseProvider provider)
    {
        var database = await TestDatabase.CreateAsync(provider);
        await using (var db = database.NewContext())
        {
            var boss = new Employee { Name = "王经理", WeComUserId = "boss", CreatedAt = Now, UpdatedAt = Now };
            var rep = new Employee { Name = "张三", WeComUserId = "zhangsan", ManagerId = boss.Id, CreatedAt = Now, UpdatedAt = Now };
            db.Employees.AddRange(boss, rep,
                new Employee { Name = "赵总", WeComUserId = "director1", CreatedAt = Now, UpdatedAt = Now },
                new Employee { Name = "钱总", WeComUserId = "director2", CreatedAt = Now, UpdatedAt = Now },
                new Employee { Name = "孙助理", WeComUserId = "assistant", CreatedAt = Now, UpdatedAt = Now });
            db.Customers.Add(new Customer { Name = "王五", OwnerId = rep.Id, CreatedAt = Now, UpdatedAt = Now });
            await db.SaveChangesAsync();
        }
        return new Desk(database, new ApprovalApp(), new FakeTimeProvider(Now));
    }

    private static NativeApprovalDecision Agreed(string userId, int minutes, int? step = null, string? comment = null) =>
        new(userId, DecisionOutcome.Approved, comment, Now.AddMinutes(minutes), step);

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Stale_repeated_and_out_of_order_views_never_undo_or_double_anything(DatabaseProvider provider)
    {
        await using var desk = await StartAsync(provider);
        var (_, instance) = await desk.SubmitAsync();
        var filed = Assert.Single(desk.App.Filed);
        Assert.Equal([["boss"], ["director1", "director2"]], filed.Steps.Select(s => s.ApproverUserIds.ToArray()));
        Assert.Equal(("zhangsan", StepRule.AnyOf), (filed.RequesterUserId, filed.Steps[1].Rule));

        // The final view arrives first (both decisions within one second, as WeCom's clock shows them), then an older one, then the final one again.
        Assert.Equal(NativeApplyResult.Changed, await desk.ApplyAsync(instance, NativeApprovalState.Approved, Agreed("boss", 1, 0), Agreed("director1", 1, 1, "好")));
        var settled = await desk.StateAsync();
        Assert.Equal(NativeApplyResult.Unchanged, await desk.ApplyAsync(instance, NativeApprovalState.Pending, Agreed("boss", 1, 0)));
        Assert.Equal(NativeApplyResult.Unchanged, await desk.ApplyAsync(instance, NativeApprovalState.Approved, Agreed("boss", 1, 0), Agreed("director1", 1, 1, "好")));

        Assert.Equal((ContractStatus.Approved, ApprovalStatus.Approved, 2), (settled.Contract, settled.Request, settled.Decisions));
        Assert.Equal(settled, await desk.StateAsync());
        await using var db = desk.Database.NewContext();
        var decided = await db.ApprovalDecisions.ToListAsync();
        Assert.All(decided, d => Assert.Equal(Now.AddMinutes(1), d.DecidedAt.ToUniversalTime()));
        Assert.Equal("好", Assert.Single(decided, d => d.Reason is not null).Reason);
        // The later step settled it.
        Assert.Contains("赵总", (await db.AuditEntries.SingleAsync(a => a.Action == "contract-approved")).After, StringComparison.Ordinal);
        // One clock reading for the whole change: compare what was recorded, not in which order.
        Assert.Equal(["approved", "approved", "contract-approved", "submitted"], (await db.AuditEntries.Select(a => a.Action).ToListAsync()).Order());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Card_clicks_withdrawals_and_reason_texts_leave_a_native_request_to_its_app(DatabaseProvider provider)
    {
        await using var desk = await StartAsync(provider);
        var (_, instance) = await desk.SubmitAsync();
        await desk.ApplyAsync(instance, NativeApprovalState.Rejected, new NativeApprovalDecision("boss", DecisionOutcome.Rejected, null, Now.AddMinutes(1), 0));
        var before = await desk.StateAsync();

        await using var db = desk.Database.NewContext();
        var approvals = desk.Approvals(db);
        var request = await db.ApprovalRequests.SingleAsync();
        var boss = await db.Employees.SingleAsync(e => e.WeComUserId == "boss");
        var rep = await db.Employees.SingleAsync(e => e.WeComUserId == "zhangsan");
        var click = await approvals.DecideAsync(request.Id, boss, DecisionOutcome.Approved, null, "card:forged", default);
        var withdraw = await approvals.WithdrawAsync(request.Id, rep, default);
        desk.Clock.Advance(TimeSpan.FromMinutes(2));
        var reason = await approvals.AttachReasonAsync(boss, "其实是因为价格", default);

        Assert.False(click.Changed);
        Assert.Contains("approval app", click.Card.ToJson(), StringComparison.Ordinal);
        Assert.Contains(instance, click.Card.ToJson(), StringComparison.Ordinal);
        Assert.False(withdraw.Changed);
        Assert.Null(reason);
        Assert.Equal(before, await desk.StateAsync());
        Assert.Equal((ContractStatus.Rejected, ApprovalStatus.Rejected), (before.Contract, before.Request));
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Someone_the_app_let_decide_joins_the_step_someone_unknown_only_settles_it_and_a_withdrawal_after_approval_is_followed(DatabaseProvider provider)
    {
        await using var desk = await StartAsync(provider);
        var (_, instance) = await desk.SubmitAsync();

        // boss handed the task to an assistant (转审); the director who approved is not in CrmChat.
        await desk.ApplyAsync(instance, NativeApprovalState.Pending, Agreed("assistant", 1));
        await desk.ApplyAsync(instance, NativeApprovalState.Approved, Agreed("assistant", 1), Agreed("stranger", 3, 1));
        var approved = await desk.StateAsync();
        Assert.Equal((ContractStatus.Approved, 1), (approved.Contract, approved.Decisions));

        await desk.ApplyAsync(instance, NativeApprovalState.Withdrawn, Agreed("assistant", 1), Agreed("stranger", 3, 1));
        await desk.ApplyAsync(instance, NativeApprovalState.Withdrawn, Agreed("assistant", 1), Agreed("stranger", 3, 1));

        await using var db = desk.Database.NewContext();
        Assert.Equal(ContractStatus.Withdrawn, (await db.Contracts.SingleAsync()).Status);
        var first = await db.ApprovalSteps.Include(s => s.Approvers).Include(s => s.Decisions).SingleAsync(s => s.Order == 0);
        var assistant = await db.Employees.SingleAsync(e => e.WeComUserId == "assistant");
        Assert.Contains(first.Approvers, a => a.EmployeeId == assistant.Id);
        Assert.Equal(assistant.Id, Assert.Single(first.Decisions).ApproverId);
        var audit = await db.AuditEntries.ToDictionaryAsync(a => a.Action);
        Assert.Equal(["approved", "contract-approved", "contract-withdrawn", "submitted"], audit.Keys.Order());
        Assert.Equal("wecom:stranger", audit["contract-approved"].Actor);
        Assert.Contains("Approved", audit["contract-withdrawn"].Before, StringComparison.Ordinal);
        // The rep heard: step two is next, approved, withdrawn.
        Assert.Equal(["native:approved", "native:step1", "native:withdrawn"],
            (await db.OutboxMessages.Select(m => m.DedupeKey).ToListAsync()).Select(k => k[(k.IndexOf(":native:", StringComparison.Ordinal) + 1)..]).Order());
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_refusal_by_the_app_leaves_the_contract_a_draft_with_nothing_recorded(DatabaseProvider provider)
    {
        await using var desk = await StartAsync(provider);
        desk.App.Refuse = new NativeApprovalException("WeCom oa/applyevent errcode 301025: get approval param error", refused: true);
        await using var db = desk.Database.NewContext();
        var rep = await db.Employees.SingleAsync(e => e.WeComUserId == "zhangsan");
        var contract = new Contract { CustomerId = await db.Customers.Select(c => c.Id).SingleAsync(), Title = "年度服务", Amount = 1m, RequesterId = rep.Id, CreatedAt = Now, UpdatedAt = Now };
        db.Contracts.Add(contract);
        await db.SaveChangesAsync();

        var answer = await desk.Approvals(db).SubmitAsync(contract, rep, Platform.WeCom, default);

        Assert.False(answer.Changed);
        Assert.Contains("301025", answer.Card.ToJson(), StringComparison.Ordinal);
        Assert.Contains("ask your admin", answer.Card.ToJson(), StringComparison.OrdinalIgnoreCase);
        await using var read = desk.Database.NewContext();
        Assert.Equal(ContractStatus.Draft, (await read.Contracts.SingleAsync()).Status);
        Assert.Equal(0, await read.ApprovalRequests.CountAsync() + await read.AuditEntries.CountAsync() + await read.OutboxMessages.CountAsync());

        desk.App.Refuse = new NativeApprovalException("WeCom did not answer properly: HttpRequestException", refused: false);
        var unreachable = await desk.Approvals(db).SubmitAsync(contract, rep, Platform.WeCom, default);
        Assert.Contains("send it again later", unreachable.Card.ToJson(), StringComparison.Ordinal);
        Assert.Equal(NativeApplyResult.NotOurs, await desk.ApplyAsync("202611239999", NativeApprovalState.Approved, Agreed("boss", 1, 0)));
    }
}
