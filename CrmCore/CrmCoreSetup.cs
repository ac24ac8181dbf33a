using CrmChat.CrmCore.Approvals;
using CrmChat.CrmCore.Contacts;
using CrmChat.CrmCore.Data;
using CrmChat.CrmCore.Messaging;
using CrmChat.CrmCore.Team;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace CrmChat.CrmCore;

public static class CrmCoreSetup
{
    /// <summary>
    /// The CRM room: database on the configured provider, the clock and randomness, the outbox's
    /// wake-up signal, contact sync. Connectors add their <see cref="IPlatformTagWriter"/> per platform.
    /// </summary>
    public static IHostApplicationBuilder AddCrmCore(this IHostApplicationBuilder builder)
    {
        var database = DatabaseOptions.Read(builder.Configuration, builder.Environment.ContentRootPath);
        builder.Services.AddCrmDatabase(database);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddOptions<CrmOptions>().BindConfiguration(CrmOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CrmOptions>, CrmOptionsValidator>();
        builder.Services.TryAddSingleton<IRandomSource, SharedRandomSource>();
        // Producers of outbox rows call Notify after they commit; the dispatcher waits on it.
        builder.Services.TryAddSingleton<OutboxSignal>();
        builder.Services.AddScoped<ContactSync>();
        builder.Services.AddScoped<TagMarking>();
        builder.Services.AddScoped<EmployeeDirectory>();
        builder.Services.AddOptions<ApprovalOptions>().BindConfiguration(ApprovalOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApprovalOptions>, ApprovalOptionsValidator>();
        builder.Services.AddScoped<ContractApprovals>();
        return builder;
    }
}
