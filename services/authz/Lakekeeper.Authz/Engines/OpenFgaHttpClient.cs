using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Lakekeeper.Fga;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Engines;

/// <summary>
/// OpenFGA's HTTP API through <see cref="HttpClient"/> (OpenFGA's .NET SDK is not available here).
/// Authenticates with the preshared key or with OAuth2 client credentials (token fetched from the
/// token endpoint and reused until shortly before it expires). A 4xx answer is the caller's mistake
/// (<see cref="FgaException"/> with OpenFGA's code); no answer, a timeout or a 5xx is
/// <see cref="AuthorizerUnavailableException"/>.
/// </summary>
internal sealed class OpenFgaHttpClient(HttpClient http, IOptions<OpenFgaOptions> options, TimeProvider time)
{
    private readonly SemaphoreSlim _tokenGate = new(1, 1);
    private (string Token, DateTimeOffset ExpiresAt)? _token;

    public async Task<JsonNode> SendAsync(HttpMethod method, string path, object? body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        using var request = new HttpRequestMessage(method, new Uri(settings.EndpointUri!, path));
        if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        var bearer = settings.UsesClientCredentials ? await TokenAsync(settings, cancellationToken) : settings.ApiKey;
        if (!string.IsNullOrEmpty(bearer))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new AuthorizerUnavailableException("OpenFGA did not answer.", ex);
        }

        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
            {
                return text.Length == 0 ? new JsonObject() : JsonNode.Parse(text) ?? new JsonObject();
            }

            var (code, message) = ReadError(text);
            if ((int)response.StatusCode is >= 400 and < 500 && response.StatusCode is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.TooManyRequests))
            {
                throw new FgaException(code ?? FgaErrorCodes.ValidationError, message ?? $"OpenFGA refused the request ({(int)response.StatusCode})");
            }

            throw new AuthorizerUnavailableException($"OpenFGA answered {(int)response.StatusCode} {code}: {message}");
        }
    }

    private static (string? Code, string? Message) ReadError(string text)
    {
        try
        {
            var node = JsonNode.Parse(text);
            return (node?["code"]?.GetValue<string>(), node?["message"]?.GetValue<string>());
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return (null, null);
        }
    }

    private async Task<string> TokenAsync(OpenFgaOptions settings, CancellationToken cancellationToken)
    {
        if (_token is { } cached && cached.ExpiresAt > time.GetUtcNow())
        {
            return cached.Token;
        }

        await _tokenGate.WaitAsync(cancellationToken);
        try
        {
            if (_token is { } again && again.ExpiresAt > time.GetUtcNow())
            {
                return again.Token;
            }

            var form = new Dictionary<string, string>
            {
                ["grant_type"] = "client_credentials",
                ["client_id"] = settings.ClientId!,
                ["client_secret"] = settings.ClientSecret!,
            };
            if (!string.IsNullOrEmpty(settings.Scope))
            {
                form["scope"] = settings.Scope;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, settings.TokenEndpoint) { Content = new FormUrlEncodedContent(form) };
            HttpResponseMessage response;
            try
            {
                response = await http.SendAsync(request, cancellationToken);
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new AuthorizerUnavailableException("The OpenFGA token endpoint did not answer.", ex);
            }

            using (response)
            {
                if (!response.IsSuccessStatusCode)
                {
                    // The body may echo credentials: only the status goes into the message.
                    throw new AuthorizerUnavailableException($"The OpenFGA token endpoint refused the client credentials ({(int)response.StatusCode}).");
                }

                var token = await response.Content.ReadFromJsonAsync<JsonObject>(cancellationToken);
                var accessToken = token?["access_token"]?.GetValue<string>()
                    ?? throw new AuthorizerUnavailableException("The OpenFGA token endpoint returned no access_token.");
                var lifetime = token?["expires_in"] is JsonValue expires && expires.TryGetValue<int>(out var seconds) ? seconds : 300;
                // Renewed a little before it expires, never later than half its life for short tokens.
                var margin = Math.Min(30, lifetime / 2);
                _token = (accessToken, time.GetUtcNow().AddSeconds(lifetime - margin));
                return accessToken;
            }
        }
        finally
        {
            _tokenGate.Release();
        }
    }
}
