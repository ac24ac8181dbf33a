using System.Net;
using System.Net.Http.Json;
using CrmChat.CrmCore;
using CrmChat.CrmCore.Customers;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Tags;
using CrmChat.CrmCore.Team;
using CrmChat.Testing;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace CrmChat.Bots.Tests;

public sealed class HostTests
{
    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task Health_is_200_when_the_database_is_reachable(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        await using var app = CrmChatApp.On(database);
        var response = await app.CreateClient().GetAsync("/health");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("Healthy", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_is_503_when_PostgreSQL_is_down_and_the_host_keeps_serving()
    {
        // Nothing listens on port 1: the database is down from the host's point of view.
        await using var app = new CrmChatApp(
        [
            new("Database:Provider", "PostgreSql"),
            new("ConnectionStrings:Crm", "Host=127.0.0.1;Port=1;Username=x;Password=y;Timeout=2"),
            .. CrmChatApp.DefaultTokens(),
        ]);
        var client = app.CreateClient();
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await client.GetAsync("/health")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task The_embedded_default_creates_the_SQLite_file_under_the_data_folder()
    {
        var folder = Directory.CreateTempSubdirectory("crmchat-data-").FullName;
        try
        {
            await using (var app = new CrmChatApp([new("Database:DataFolder", folder), .. CrmChatApp.DefaultTokens()]))
            {
                Assert.Equal(HttpStatusCode.OK, (await app.CreateClient().GetAsync("/health")).StatusCode);
            }
            Assert.True(File.Exists(Path.Combine(folder, "crmchat.db")));
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public async Task Start_up_writes_no_Data_Protection_keys_and_API_tokens_still_work()
    {
        // ASP.NET Core would create a key ring in the service account's home at start; CrmChat uses none.
        var keys = Directory.CreateTempSubdirectory("crmchat-keys-");
        try
        {
            await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
            // Where the key ring would go, set without AddDataProtection (which would register its start-up again).
            await using var app = CrmChatApp.On(database, s => s.Configure<KeyManagementOptions>(o => o.XmlRepository = new FileSystemXmlRepository(keys, NullLoggerFactory.Instance)));
            Assert.Equal(HttpStatusCode.OK, (await app.ClientWithToken(CrmChatApp.AdminToken).GetAsync("/api/customers")).StatusCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await app.ClientWithToken("not-a-token-of-this-deployment").GetAsync("/api/customers")).StatusCode);
            Assert.Empty(keys.GetFiles());
        }
        finally
        {
            keys.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("Database:Provider", "Oracle")]
    [InlineData("Database:MigrateOnStart", "sometimes")]
    [InlineData("Api:Tokens:0:Token", "short")]
    [InlineData("Cards:LinkSecret", "")]
    [InlineData("Cards:LinkSecret", "short-secret")]
    [InlineData("Cards:LinkSecret", "(set Cards__LinkSecret in the environment)")]
    [InlineData("Cards:PublicBaseUrl", "crm.example.com")]
    [InlineData("Outbox:MaxAttempts", "0")]
    [InlineData("Approvals:WeCom:Mode", "Nativ")]
    [InlineData("Approvals:DingTalk:Mode", "7")]
    public async Task A_malformed_setting_stops_start_up_and_names_the_key(string key, string value)
    {
        await using var app = new CrmChatApp([.. CrmChatApp.DefaultTokens(), new(key, value), new("Database:DataFolder", Path.GetTempPath())]);
        var error = Record.Exception(() => app.CreateClient());
        Assert.NotNull(error);
        var messages = string.Join(" | ", Flatten(error));
        Assert.Contains(key, messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_without_card_settings_stops_start_up_naming_Cards_LinkSecret()
    {
        await using var app = new CrmChatApp([.. CrmChatApp.DefaultTokens(), new("Database:DataFolder", Path.GetTempPath())], cardSettings: false);
        var messages = string.Join(" | ", Flatten(Record.Exception(() => app.CreateClient())!));
        Assert.Contains("Cards:LinkSecret", messages, StringComparison.Ordinal);
        Assert.Contains("Cards:PublicBaseUrl", messages, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Native_approvals_without_their_template_or_form_stop_start_up_naming_the_keys()
    {
        await using var app = new CrmChatApp([.. CrmChatApp.DefaultTokens(), new("Database:DataFolder", Path.GetTempPath()),
            new("Approvals:WeCom:Mode", "Native"), new("Approvals:DingTalk:Mode", "Native")]);
        var messages = string.Join(" | ", Flatten(Record.Exception(() => app.CreateClient())!));
        foreach (var key in new[] { "Approvals:WeCom:TemplateId", "Approvals:WeCom:Controls:Amount", "Approvals:DingTalk:ProcessCode" })
        {
            Assert.Contains(key, messages, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task PostgreSQL_without_a_connection_string_stops_start_up_naming_the_key()
    {
        await using var app = new CrmChatApp([new("Database:Provider", "PostgreSql"), .. CrmChatApp.DefaultTokens()]);
        var messages = string.Join(" | ", Flatten(Record.Exception(() => app.CreateClient())!));
        Assert.Contains("ConnectionStrings:Crm", messages, StringComparison.Ordinal);
    }

    private static IEnumerable<string> Flatten(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            yield return x.Message;
            if (x is AggregateException agg)
            {
                foreach (var inner in agg.InnerExceptions.SelectMany(Flatten))
                {
                    yield return inner;
                }
            }
        }
    }
}

public sealed class CustomersApiTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 2, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-token-wrong-token")]
    [InlineData("Basic YWRtaW46YWRtaW4=")]
    public async Task The_API_refuses_callers_without_a_configured_token(string? authorization)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = CrmChatApp.On(database);
        var client = app.CreateClient();
        if (authorization is not null)
        {
            client.DefaultRequestHeaders.TryAddWithoutValidation("Authorization", authorization);
        }
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/customers")).StatusCode);
    }

    [Fact]
    public async Task Outside_Development_no_token_works_unless_configured()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = new CrmChatApp(database.HostSettings());
        var client = app.ClientWithToken(CrmChatApp.AdminToken);
        Assert.Equal(HttpStatusCode.Unauthorized, (await client.GetAsync("/api/customers")).StatusCode);
    }

    [Theory]
    [MemberData(nameof(TestDatabase.Providers), MemberType = typeof(TestDatabase))]
    public async Task A_customer_reads_back_with_identities_followers_and_tags(DatabaseProvider provider)
    {
        await using var database = await TestDatabase.CreateAsync(provider);
        var customerId = await SeedAsync(database);
        await using var app = CrmChatApp.On(database);
        var client = app.ClientWithToken(CrmChatApp.AdminToken);

        var page = await client.GetFromJsonAsync<PageDto>("/api/customers?q=张三");
        var listed = Assert.Single(page!.Items);
        Assert.Equal(customerId, listed.Id);

        var customer = await client.GetFromJsonAsync<CustomerDto>($"/api/customers/{customerId}");
        Assert.Equal("张三", customer!.Name);
        Assert.Equal("上海某某科技", customer.Company);
        Assert.Equal(["+8613800138000"], customer.Phones);
        Assert.Equal("李四", customer.Owner!.Name);
        Assert.Equal(["重要"], customer.Tags);
        var identity = Assert.Single(customer.Identities);
        Assert.Equal(("WeCom", "wmZhangSan"), (identity.Platform, identity.ExternalId));
        var follower = Assert.Single(customer.Followers);
        Assert.Equal(("李四", "张总"), (follower.Employee.Name, follower.Remark));
        Assert.Null(follower.EndedAt);
    }

    [Theory]
    [InlineData("138-0013-8000")]
    [InlineData("+86 138 0013 8000")]
    [InlineData("wmZhangSan")]
    [InlineData("某某")]
    public async Task Search_finds_a_customer_by_phone_in_any_form_platform_id_or_company(string q)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await SeedAsync(database);
        await using var app = CrmChatApp.On(database);
        var page = await app.ClientWithToken(CrmChatApp.AdminToken).GetFromJsonAsync<PageDto>($"/api/customers?q={Uri.EscapeDataString(q)}");
        Assert.Equal("张三", Assert.Single(page!.Items).Name);
    }

    [Fact]
    public async Task A_rep_sees_only_the_customers_they_own_or_follow()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await SeedAsync(database);
        await using (var db = database.NewContext())
        {
            db.Customers.Add(new Customer { Name = "别人的客户", CreatedAt = Now, UpdatedAt = Now });
            await db.SaveChangesAsync();
        }
        await using var app = CrmChatApp.On(database);
        var asRep = await app.ClientWithToken(CrmChatApp.RepToken).GetFromJsonAsync<PageDto>("/api/customers");
        var asAdmin = await app.ClientWithToken(CrmChatApp.AdminToken).GetFromJsonAsync<PageDto>("/api/customers");
        Assert.Equal(["张三"], asRep!.Items.Select(c => c.Name));
        Assert.Equal(2, asAdmin!.Total);
    }

    [Theory]
    [InlineData("/api/customers?pageSize=0")]
    [InlineData("/api/customers?pageSize=1000")]
    [InlineData("/api/customers?page=0")]
    public async Task Paging_outside_the_limits_is_a_clear_400(string url)
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = CrmChatApp.On(database);
        var response = await app.ClientWithToken(CrmChatApp.AdminToken).GetAsync(url);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("page", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_customer_is_404()
    {
        await using var database = await TestDatabase.CreateAsync(DatabaseProvider.Sqlite);
        await using var app = CrmChatApp.On(database);
        var response = await app.ClientWithToken(CrmChatApp.AdminToken).GetAsync($"/api/customers/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<Guid> SeedAsync(TestDatabase database)
    {
        await using var db = database.NewContext();
        var rep = new Employee { Name = "李四", WeComUserId = "lisi", CreatedAt = Now, UpdatedAt = Now };
        var group = new TagGroup { Name = "客户等级", Platform = Platform.WeCom, PlatformGroupId = "etG1", Origin = TagOrigin.PlatformAdmin, CreatedAt = Now };
        var tag = new Tag { Name = "重要", Group = group, Platform = Platform.WeCom, PlatformTagId = "etT1", Origin = TagOrigin.PlatformAdmin, CreatedAt = Now };
        var customer = new Customer { Name = "张三", Company = "上海某某科技", OwnerId = rep.Id, CreatedAt = Now, UpdatedAt = Now };
        customer.Phones.Add(new CustomerPhone { E164 = "+8613800138000" });
        customer.Identities.Add(new CustomerIdentity { Platform = Platform.WeCom, ExternalId = "wmZhangSan", CreatedAt = Now });
        var relation = new FollowRelation { EmployeeId = rep.Id, Platform = Platform.WeCom, Remark = "张总", AddedAt = Now };
        relation.Tags.Add(new FollowRelationTag { TagId = tag.Id, Origin = TagOrigin.PlatformAdmin, AddedAt = Now });
        customer.Followers.Add(relation);
        db.AddRange(rep, group, tag, customer);
        await db.SaveChangesAsync();
        return customer.Id;
    }

    private sealed record PageDto(List<CustomerDto> Items, int Page, int PageSize, int Total);
    private sealed record PersonDto(Guid Id, string Name);
    private sealed record IdentityDto(string Platform, string ExternalId);
    private sealed record FollowerDto(PersonDto Employee, string? Remark, DateTimeOffset AddedAt, DateTimeOffset? EndedAt);
    private sealed record CustomerDto(Guid Id, string Name, string? Company, List<string> Phones, string Stage, PersonDto? Owner,
        List<string> Tags, List<IdentityDto> Identities, List<FollowerDto> Followers);
}
