using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using static CrmChat.Sandbox.Tests.SandboxHttp;

namespace CrmChat.Sandbox.Tests;

public sealed class DriverTests
{
    [Fact]
    public async Task Driver_request_missing_a_field_is_refused_naming_it()
    {
        await using var sandbox = await StartAsync();
        using var response = await sandbox.Client.PostAsJsonAsync(SandboxDefaults.WeComDriverPath + "customers/add", new { name = "李四" });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Contains("'userid'", (string)body["error"]!);
        Assert.Equal(0, sandbox.Server.WeCom.Counts.Customers);
    }

    [Fact]
    public async Task Directory_of_50_members_and_10000_customers_pages_out_in_full()
    {
        await using var sandbox = await StartAsync();
        var generated = await sandbox.Driver("directory/generate", new { members = 50, customers = 10_000, seed = 1 });
        Assert.Equal(10_000, (int)generated["customers"]!);

        var token = await sandbox.ContactToken();
        var userIds = sandbox.Server.WeCom.Members.Select(m => m.UserId).ToArray();
        var customers = new HashSet<string>();
        var relations = 0;
        var cursor = "";
        do
        {
            var reply = await sandbox.Post(Api("externalcontact/batch/get_by_user", token), new { userid_list = userIds, cursor, limit = 100 });
            JsonAssert.ErrCode(0, reply);
            foreach (var item in reply["external_contact_list"]!.AsArray())
            {
                customers.Add((string)item!["external_contact"]!["external_userid"]!);
                relations++;
            }
            cursor = (string)reply["next_cursor"]!;
        }
        while (cursor.Length > 0);
        Assert.Equal(10_000, customers.Count);
        Assert.Equal((int)generated["relations"]!, relations);
    }
}
