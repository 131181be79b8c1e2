using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Json;
using Lakekeeper.ServiceDefaults.Configuration;
using Lakekeeper.ServiceDefaults.Errors;
using Lakekeeper.ServiceDefaults.Health;
using Lakekeeper.ServiceDefaults.RequestIds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Lakekeeper.ServiceDefaults.Tests;

public sealed class ServiceDefaultsTests
{
    private sealed class SampleOptions : IValidatableObject
    {
        [Required]
        public string? Endpoint { get; set; }

        [Range(1, 10)]
        public int Retries { get; set; } = 3;

        public string Mode { get; set; } = "a";

        public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
        {
            if (Mode is not ("a" or "b"))
            {
                yield return new ValidationResult("must be 'a' or 'b'", [nameof(Mode)]);
            }
        }
    }

    private static OptionsValidationException? Validate(Dictionary<string, string?> values)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var services = new ServiceCollection();
        services.AddValidatedOptions<SampleOptions>(configuration, "Sample");
        using var provider = services.BuildServiceProvider();
        try
        {
            _ = provider.GetRequiredService<IOptions<SampleOptions>>().Value;
            return null;
        }
        catch (OptionsValidationException ex)
        {
            return ex;
        }
    }

    [Fact]
    public void Validation_failures_name_the_environment_variable()
    {
        var error = Validate(new() { ["Sample:Retries"] = "11", ["Sample:Mode"] = "c" });

        Assert.NotNull(error);
        Assert.Contains("LAKEKEEPER__SAMPLE__ENDPOINT is required.", error.Failures);
        Assert.Contains(error.Failures, f => f.StartsWith("LAKEKEEPER__SAMPLE__RETRIES must be between 1 and 10", StringComparison.Ordinal));
        Assert.Contains("LAKEKEEPER__SAMPLE__MODE: must be 'a' or 'b'", error.Failures);
    }

    [Fact]
    public void Valid_settings_pass()
    {
        Assert.Null(Validate(new() { ["Sample:Endpoint"] = "x" }));
    }

    [Theory]
    [InlineData("abc-123", true)]
    [InlineData("", false)]
    [InlineData("has space", false)]
    [InlineData("comma,separated", false)]
    [InlineData("line\nbreak", false)]
    public void Request_ids_from_callers_must_be_plain_tokens(string candidate, bool accepted)
    {
        Assert.Equal(accepted ? candidate : null, RequestIdMiddleware.Accept(candidate));
        Assert.Null(RequestIdMiddleware.Accept(new string('a', 129)));
    }

    [Fact]
    public async Task Request_id_is_echoed_or_made()
    {
        await using var host = await TestHost.StartAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/health/live");
        request.Headers.Add("X-Request-Id", "from-gateway-1");
        using var echoed = await host.Client.SendAsync(request);
        using var made = await host.Client.GetAsync("/health/live");

        Assert.Equal("from-gateway-1", echoed.Headers.GetValues("X-Request-Id").Single());
        Assert.True(Guid.TryParse(made.Headers.GetValues("X-Request-Id").Single(), out _));
    }

    [Fact]
    public async Task Unknown_exceptions_are_500_with_an_error_id_and_no_details()
    {
        await using var host = await TestHost.StartAsync(map: app =>
            app.MapGet("/boom", string () => throw new InvalidOperationException("secret internal detail")));

        using var response = await host.Client.GetAsync("/boom");
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.DoesNotContain("secret", body, StringComparison.Ordinal);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
        Assert.Equal(500, error.GetProperty("code").GetInt32());
        Assert.Equal("InternalServerError", error.GetProperty("type").GetString());
        Assert.Contains("Error id:", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    private sealed class TimeoutTranslator : IExceptionTranslator
    {
        public ErrorResponse? Translate(Exception exception) =>
            exception is TimeoutException ? ErrorResponse.Unavailable("try later", 7) : null;
    }

    [Fact]
    public async Task Translated_exceptions_keep_their_status_and_retry_after()
    {
        await using var host = await TestHost.StartAsync(
            configure: b => b.Services.AddSingleton<IExceptionTranslator, TimeoutTranslator>(),
            map: app => app.MapGet("/slow", string () => throw new TimeoutException()));

        using var response = await host.Client.GetAsync("/slow");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        Assert.Equal(503, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Unknown_routes_get_the_error_contract()
    {
        await using var host = await TestHost.StartAsync();

        using var response = await host.Client.DeleteAsync("/nowhere/x");
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("No route for request: DELETE /nowhere/x", error.GetProperty("message").GetString());
        Assert.Equal("BadRequestException", error.GetProperty("type").GetString());
    }

    [Fact]
    public async Task Liveness_ignores_dependencies_and_readiness_follows_them()
    {
        await using var host = await TestHost.StartAsync(configure: b =>
            b.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("down"), tags: [HealthEndpoints.ReadyTag]));

        using var live = await host.Client.GetAsync("/health/live");
        using var ready = await host.Client.GetAsync("/health/ready");

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Contains("database", await ready.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Request_bodies_over_the_limit_are_413_in_the_error_shape()
    {
        await using var host = await TestHost.StartAsync(
            map: app => app.MapPost("/upload", async (HttpContext context) =>
            {
                using var sink = new MemoryStream();
                await context.Request.Body.CopyToAsync(sink);
                return Results.Ok(sink.Length);
            }),
            settings: new() { ["Server:MaxRequestBodyBytes"] = "2048" });

        using var response = await host.Client.PostAsync("/upload", new ByteArrayContent(new byte[10_000]));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(413, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }
}
