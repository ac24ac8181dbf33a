using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using CrmChat.CrmCore.Phones;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace CrmChat.Bots.Hosting;

internal static class RedactedLogging
{
    public const string FormatterName = "crmchat-json";

    /// <summary>
    /// Every console log line goes through one formatter that writes JSON and masks phone
    /// numbers and configured secret values, whatever the code that logged them did.
    /// </summary>
    public static IHostApplicationBuilder AddRedactedLogging(this IHostApplicationBuilder builder)
    {
        var secrets = LogRedactor.SecretsFrom(builder.Configuration);
        builder.Services.AddSingleton(new LogRedactor(secrets));
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => o.FormatterName = FormatterName);
        builder.Logging.AddConsoleFormatter<RedactingJsonFormatter, ConsoleFormatterOptions>();
        return builder;
    }
}

/// <summary>Masks phone numbers and known secret values in text bound for a log.</summary>
public sealed partial class LogRedactor(IReadOnlyCollection<string> secrets)
{
    // Shorter values are not masked: hiding every "y" would make logs unreadable and protect nothing.
    private const int MinSecretLength = 6;

    // Keys whose values are secrets wherever they appear in configuration.
    private static readonly string[] SecretKeyWords = ["secret", "token", "aeskey", "encodingaeskey", "password", "connectionstrings"];

    public static IReadOnlyCollection<string> SecretsFrom(IConfiguration configuration)
    {
        var values = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is { Length: >= MinSecretLength } && SecretKeyWords.Any(w => key.Contains(w, StringComparison.OrdinalIgnoreCase)))
            {
                values.Add(value);
                // A connection string's password is a secret even when the rest is logged.
                foreach (Match m in PasswordPattern().Matches(value))
                {
                    if (m.Groups[1].Value.Length >= MinSecretLength)
                    {
                        values.Add(m.Groups[1].Value);
                    }
                }
            }
        }
        return values;
    }

    public string Redact(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }
        foreach (var secret in secrets)
        {
            if (text.Contains(secret, StringComparison.Ordinal))
            {
                text = text.Replace(secret, "***", StringComparison.Ordinal);
            }
        }
        return PhonePattern().Replace(text, m => PhoneNumber.Mask(m.Value));
    }

    // Chinese mobiles (11 digits from 1[3-9]) with or without +86 and separators, and any
    // other international number written with a leading +.
    [GeneratedRegex(@"(?<![\w+])(?:\+?86[ -]?)?1[3-9]\d(?:[ -]?\d){8}(?!\d)|\+\d(?:[ -]?\d){7,14}(?!\d)")]
    private static partial Regex PhonePattern();

    [GeneratedRegex(@"(?i)password\s*=\s*([^;]+)")]
    private static partial Regex PasswordPattern();
}

internal sealed class RedactingJsonFormatter(LogRedactor redactor, IOptionsMonitor<ConsoleFormatterOptions> options)
    : ConsoleFormatter(RedactedLogging.FormatterName)
{
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            json.WriteStartObject();
            var timestampFormat = options.CurrentValue.TimestampFormat ?? "O";
            json.WriteString("time", DateTimeOffset.UtcNow.ToString(timestampFormat, System.Globalization.CultureInfo.InvariantCulture));
            json.WriteString("level", logEntry.LogLevel.ToString());
            json.WriteString("category", logEntry.Category);
            if (logEntry.EventId.Id != 0)
            {
                json.WriteNumber("eventId", logEntry.EventId.Id);
            }
            json.WriteString("message", redactor.Redact(message ?? ""));
            if (logEntry.State is IReadOnlyList<KeyValuePair<string, object?>> properties)
            {
                json.WriteStartObject("properties");
                foreach (var (key, value) in properties)
                {
                    if (key != "{OriginalFormat}")
                    {
                        json.WriteString(key, redactor.Redact(Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) ?? ""));
                    }
                }
                json.WriteEndObject();
            }
            if (logEntry.Exception is not null)
            {
                json.WriteString("exception", redactor.Redact(logEntry.Exception.ToString()));
            }
            json.WriteEndObject();
        }
        textWriter.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
