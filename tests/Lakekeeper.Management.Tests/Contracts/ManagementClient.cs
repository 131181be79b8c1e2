using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Lakekeeper.Management.Tests.Contracts;

/// <summary>An answer of the management API: status and body (JSON when there is one).</summary>
internal sealed record Reply(int Status, string Body)
{
    public JsonElement Json => JsonDocument.Parse(Body).RootElement.Clone();

    /// <summary>Asserts an error in the contract's shape whose message contains <paramref name="mentions"/>.</summary>
    public Reply IsError(int status, string mentions)
    {
        Assert.True(Status == status, $"expected {status}, got {Status}: {Body}");
        var error = Json.GetProperty("error");
        Assert.Equal(status, error.GetProperty("code").GetInt32());
        Assert.Contains(mentions, error.GetProperty("message").GetString(), StringComparison.OrdinalIgnoreCase);
        return this;
    }

    public JsonElement Is(int status)
    {
        Assert.True(Status == status, $"expected {status}, got {Status}: {Body}");
        return Body.Length == 0 ? default : Json;
    }

    public override string ToString() => $"{Status} {Body}";
}

/// <summary>
/// Calls the management API over real HTTP and checks every answer against the committed OpenAPI
/// document (status listed for the operation, body matching its schema): every test using it is a
/// contract test of the endpoints it calls.
/// </summary>
internal sealed class ManagementClient(HttpClient http)
{
    public Task<Reply> GetAsync(string path, Guid? project = null) => SendAsync(HttpMethod.Get, path, null, project);

    public Task<Reply> PostAsync(string path, string json, Guid? project = null) => SendAsync(HttpMethod.Post, path, json, project);

    public Task<Reply> DeleteAsync(string path, Guid? project = null) => SendAsync(HttpMethod.Delete, path, null, project);

    public async Task<Reply> SendAsync(HttpMethod method, string path, string? json, Guid? project = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        if (project is { } id)
        {
            request.Headers.Add("x-project-id", id.ToString());
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var status = (int)response.StatusCode;
        if (path.StartsWith("/management/", StringComparison.Ordinal))
        {
            ManagementContract.Check(method.Method, path, status, body);
        }

        return new Reply(status, body);
    }
}
