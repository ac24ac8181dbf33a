using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Api;

public enum ApiRole
{
    Rep = 1,
    Manager = 2,
    Admin = 3,
}

/// <summary>One entry of <c>Api:Tokens</c>: a bearer token, who it acts as, and its role.</summary>
public sealed class ApiTokenEntry
{
    public string Token { get; set; } = "";
    /// <summary>The employee the token acts for: CrmChat id, WeCom or DingTalk user id.</summary>
    public string Employee { get; set; } = "";
    public ApiRole Role { get; set; } = ApiRole.Rep;
}

public sealed class ApiOptions
{
    public const string Section = "Api";
    public List<ApiTokenEntry> Tokens { get; set; } = [];
}

internal sealed class ApiTokenOptionsValidator : IValidateOptions<ApiOptions>
{
    public ValidateOptionsResult Validate(string? name, ApiOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Tokens.Count; i++)
        {
            var entry = options.Tokens[i];
            if (entry.Token.Length < 16)
            {
                errors.Add($"Api:Tokens:{i}:Token must be at least 16 characters.");
            }
            if (string.IsNullOrWhiteSpace(entry.Employee))
            {
                errors.Add($"Api:Tokens:{i}:Employee is required.");
            }
            if (!Enum.IsDefined(entry.Role))
            {
                errors.Add($"Api:Tokens:{i}:Role must be Rep, Manager or Admin.");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

/// <summary>The token Development makes when none is configured, so a newcomer can call the API.</summary>
internal sealed record DevelopmentToken(string Token);

internal static class ApiTokenSetup
{
    public const string Scheme = "ApiToken";

    public static IHostApplicationBuilder AddApiTokens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ApiOptions>().BindConfiguration(ApiOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ApiOptions>, ApiTokenOptionsValidator>();
        var configured = builder.Configuration.GetSection("Api:Tokens").GetChildren().Any();
        if (builder.Environment.IsDevelopment() && !configured)
        {
            var token = "dev-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
            builder.Services.AddSingleton(new DevelopmentToken(token));
            builder.Services.PostConfigure<ApiOptions>(o => o.Tokens.Add(new ApiTokenEntry { Token = token, Employee = "admin", Role = ApiRole.Admin }));
        }
        builder.Services.AddAuthentication(Scheme).AddScheme<AuthenticationSchemeOptions, ApiTokenHandler>(Scheme, null);
        // AddAuthentication brings ASP.NET Core Data Protection, whose hosted service loads (or
        // creates and writes to ~/.aspnet) a key ring at start-up. CrmChat protects nothing with it
        // (card links have their own key), so the key ring is not started: no key files, no XML stack.
        var keyRing = builder.Services.FirstOrDefault(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "DataProtectionHostedService");
        if (keyRing is not null)
        {
            builder.Services.Remove(keyRing);
        }
        builder.Services.AddAuthorization();
        return builder;
    }

    /// <summary>Prints the generated Development token to the console (not the log).</summary>
    public static void PrintDevelopmentToken(this WebApplication app)
    {
        var token = app.Services.GetService<DevelopmentToken>();
        if (token is null)
        {
            return;
        }
        app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine(
            $"CrmChat (Development): API admin token for this run: {token.Token}{Environment.NewLine}" +
            $"  try: curl -H \"Authorization: Bearer {token.Token}\" {string.Join(' ', app.Urls.Take(1))}/api/customers"));
    }
}

internal sealed class ApiTokenHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IOptionsMonitor<ApiOptions> api)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header) || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        ApiTokenEntry? match = null;
        // Hash both sides and look at every entry, so timing says nothing about the tokens.
        foreach (var entry in api.CurrentValue.Tokens)
        {
            var known = SHA256.HashData(Encoding.UTF8.GetBytes(entry.Token));
            if (CryptographicOperations.FixedTimeEquals(presented, known))
            {
                match = entry;
            }
        }
        if (match is null)
        {
            return Task.FromResult(AuthenticateResult.Fail("The bearer token is not one of Api:Tokens."));
        }
        var identity = new ClaimsIdentity(
            [new Claim(ClaimTypes.NameIdentifier, match.Employee), new Claim(ClaimTypes.Role, match.Role.ToString())],
            ApiTokenSetup.Scheme);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), ApiTokenSetup.Scheme)));
    }
}
