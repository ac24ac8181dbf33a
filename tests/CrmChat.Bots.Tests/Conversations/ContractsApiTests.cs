using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.Testing;
using Microsoft.EntityFrameworkCore;

namespace CrmChat.Bots.Tests.Conversations;

/// <summary>A rep submits a contract through the API (the rep token is employee "lisi").</summary>
public sealed class ContractsApiTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_contract_posted_by_a_rep_goes_to_their_manager_and_can_be_withdrawn_once(DatabaseProvider provider)
    {
        await using var desk = await ChatDesk.StartAsync(provider,
            ("Api:Tokens:0:Token", CrmChatApp.AdminToken), ("Api:Tokens:0:Employee", "admin"), ("Api:Tokens:0:Role", "Admin"),
            ("Api:Tokens:1:Token", CrmChatApp.RepToken), ("Api:Tokens:1:Employee", "lisi"), ("Api:Tokens:1:Role", "Rep"));
        var boss = await desk.EmployeeAsync("boss", "王经理");
        await desk.EmployeeAsync("lisi", "李四", boss.Id);
        Guid customerId;
        await using (var db = desk.Database.NewContext())
        {
            var customer = new Customer { Name = "王五", CreatedAt = ChatDesk.Now, UpdatedAt = ChatDesk.Now };
            db.Customers.Add(customer);
            await db.SaveChangesAsync();
            customerId = customer.Id;
        }
        using var api = desk.Host.ClientWithToken(CrmChatApp.RepToken);

        var invalid = await api.PostAsJsonAsync("/api/contracts", new { customerId, title = "年度服务", amount = -5 });
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
        var unknown = await api.PostAsJsonAsync("/api/contracts", new { customerId = Guid.NewGuid(), title = "年度服务", amount = 5 });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        var created = await api.PostAsJsonAsync("/api/contracts", new { customerId, title = "年度服务", amount = 50000, currency = "CNY" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var view = JsonNode.Parse(await created.Content.ReadAsStringAsync())!;
        Assert.Equal(("PendingApproval", "Pending"), (view["status"]!.GetValue<string>(), view["approvalStatus"]!.GetValue<string>()));
        var id = view["id"]!.GetValue<Guid>();
        await using (var db = desk.Database.NewContext())
        {
            Assert.Equal(1, await db.OutboxMessages.CountAsync(m => m.Target == "boss"));
        }

        var withdrawn = await api.PostAsync($"/api/contracts/{id}/withdraw", null);
        Assert.Equal(HttpStatusCode.OK, withdrawn.StatusCode);
        var twice = await api.PostAsync($"/api/contracts/{id}/withdraw", null);
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);

        var trail = JsonNode.Parse(await api.GetStringAsync($"/api/contracts/{id}"))!;
        Assert.Equal("Withdrawn", trail["status"]!.GetValue<string>());
        // The desk's clock stands still, so every entry has the same time: the trail still reads in the order things happened.
        Assert.Equal(["created-by-api", "submitted", "withdrawn", "contract-withdrawn"],
            trail["trail"]!.AsArray().Select(a => a!["action"]!.GetValue<string>()));
    }
}
