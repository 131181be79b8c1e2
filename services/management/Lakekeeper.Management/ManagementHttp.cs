using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Lakekeeper.Authz;
using Lakekeeper.Management.Identity;
using Lakekeeper.Persistence;
using Lakekeeper.Persistence.Model;
using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Management;

/// <summary>What the management endpoints share: reading bodies, the project of a request, the caller.</summary>
internal static class ManagementHttp
{
    /// <summary>
    /// The body as <typeparamref name="T"/>, or a 400 that names what is wrong and where
    /// (<c>$.storage-profile</c>). The content type is not checked: clients that forget it still work.
    /// </summary>
    public static async Task<(T? Value, ApiError? Error)> ReadAsync<T>(HttpRequest request, JsonTypeInfo<T> type)
        where T : class
    {
        try
        {
            var value = await JsonSerializer.DeserializeAsync(request.Body, type, request.HttpContext.RequestAborted);
            return value is null ? (null, ManagementErrors.BadRequest("The body must be a JSON object")) : (value, null);
        }
        catch (JsonException ex)
        {
            return (null, ManagementErrors.BadRequest(Describe(ex)));
        }
    }

    /// <summary>
    /// A deserialisation failure in words that name the field (<c>$.storage-profile.endpoint</c>) but
    /// never echo a value: unknown fields, wrong types, malformed JSON, and our converters' own
    /// messages (which name fields already).
    /// </summary>
    internal static string Describe(JsonException ex)
    {
        var message = ex.Message;
        var path = ex.Path;
        // A nested deserialisation (a storage profile's own fields) reports its path inside the message.
        var at = message.IndexOf(" Path: ", StringComparison.Ordinal);
        if (at >= 0)
        {
            var inner = message[(at + 7)..].Split(' ', '|')[0];
            message = message[..at];
            if (inner.Length > 1 && path is { Length: > 1 } outer && inner != outer)
            {
                path = outer + inner[1..];
            }
            else if (inner.Length > 1)
            {
                path = inner;
            }
        }

        var where = path is { Length: > 1 } ? " at " + path : string.Empty;
        const string unmapped = "The JSON property '";
        if (message.StartsWith(unmapped, StringComparison.Ordinal) && message.IndexOf('\'', unmapped.Length) is var end and > 0)
        {
            return $"Invalid body: unknown field '{message[unmapped.Length..end]}'{where}";
        }

        if (message.Contains("could not be converted", StringComparison.Ordinal))
        {
            return $"Invalid body{where}: wrong type or malformed value";
        }

        if (ex.InnerException is not null || message.StartsWith('\''))
        {
            return $"The body is not valid JSON{where}";
        }

        return $"Invalid body{where}: {message.TrimEnd('.')}";
    }

    /// <summary>The project of a request (<c>x-project-id</c>, else the default project when enabled).</summary>
    public static ProjectId? Project(HttpContext context, out ApiError? error)
    {
        var options = context.RequestServices.GetRequiredService<IOptions<DefaultProjectOptions>>().Value;
        var project = options.Resolve(context.Request.Headers[ProjectsApi.ProjectHeader].ToString(), out var reason);
        error = reason is null ? null : ManagementErrors.BadRequest(reason);
        return project;
    }

    /// <summary>On whose behalf the request runs, as the authorizer knows it.</summary>
    public static Principal Caller(HttpContext context) => IdentityHttp.ToPrincipal(CurrentCaller(context));

    /// <summary>The authenticated caller (or the anonymous one when no identity provider is configured).</summary>
    public static Caller CurrentCaller(HttpContext context) => context.RequestServices.GetRequiredService<ICallerAccessor>().Current;

    /// <summary>An audit line for a change: who did <paramref name="action"/> to <paramref name="target"/> and how it ended.</summary>
    public static void Audit(HttpContext context, string action, string target, string outcome) =>
        context.RequestServices.GetRequiredService<AuditLog>().Change(CurrentCaller(context), action, target, outcome);

    /// <summary>A name: 1 to <paramref name="max"/> characters, no control characters, optionally no '/'.</summary>
    public static bool ValidName(string? name, int max = 128, bool allowSlash = true) =>
        name is { Length: > 0 } && name.Length <= max && !name.Any(char.IsControl) && (allowSlash || !name.Contains('/', StringComparison.Ordinal));
}
