using System.Reflection;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using CrmChat.Sandbox.WeCom;
using Microsoft.AspNetCore.Http;

namespace CrmChat.Sandbox;

/// <summary>
/// How every Sandbox driver reads its requests and writes its answers: snake_case JSON in
/// the platforms' own userid / unionid spelling, whatever JSON options the hosting app chose
/// for its own API, and a 400 that names a missing field.
/// </summary>
internal static class SandboxDriver
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = new DriverNaming(),
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        RespectNullableAnnotations = true,
    };

    /// <summary>snake_case, with WeCom's and DingTalk's shared userid / unionid spelling (so external_userid too).</summary>
    private sealed class DriverNaming : JsonNamingPolicy
    {
        public override string ConvertName(string name) =>
            SnakeCaseLower.ConvertName(name).Replace("user_id", "userid", StringComparison.Ordinal).Replace("union_id", "unionid", StringComparison.Ordinal);
    }

    // NullabilityInfoContext caches without locking; several Sandboxes (parallel tests) share this one.
    private static readonly Lock NullabilityGate = new();
    private static readonly NullabilityInfoContext Nullability = new();

    private static bool IsNotNull(PropertyInfo property)
    {
        lock (NullabilityGate)
        {
            return Nullability.Create(property).ReadState == NullabilityState.NotNull;
        }
    }

    internal static IResult Ok(object? value) => Results.Json(value, Json);

    internal static async Task<T> Body<T>(HttpContext http)
    {
        try
        {
            var body = await http.Request.ReadFromJsonAsync<T>(Json, http.RequestAborted)
                ?? throw new SandboxException("The request body is empty: send a JSON object.");
            // A missing userid is a 400 that names the field, not a NullReferenceException later.
            foreach (var property in typeof(T).GetProperties())
            {
                if (property.GetValue(body) is null && IsNotNull(property))
                {
                    throw new SandboxException($"'{Json.PropertyNamingPolicy!.ConvertName(property.Name)}' is required.");
                }
            }
            return body;
        }
        catch (JsonException e)
        {
            throw new SandboxException("The request body is not the expected JSON: " + e.Message);
        }
    }

    /// <summary><c>?wait=</c>: false answers before delivering to CrmChat.</summary>
    internal static bool? Wait(HttpContext http) => bool.TryParse(http.Request.Query["wait"], out var wait) ? wait : null;

    /// <summary>Reads the body, runs the action and answers its result, or the platform's problem answer.</summary>
    internal static async Task<IResult> Act<T>(HttpContext http, Func<T, object?> action, Func<SandboxException, IResult> problem)
    {
        try
        {
            return Ok(action(await Body<T>(http)));
        }
        catch (SandboxException e)
        {
            return problem(e);
        }
    }
}
