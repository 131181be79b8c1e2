using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Text.Json;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Abstractions.Health;
using Lakekeeper.ServiceDefaults.RequestIds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
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

    [Fact]
    public async Task Error_answers_keep_the_request_id_and_are_logged_once_with_the_error_id()
    {
        var logs = new CapturingLoggerProvider();
        await using var host = await TestHost.StartAsync(
            configure: b => b.Logging.AddProvider(logs),
            map: app => app.MapGet("/boom", string () => throw new InvalidOperationException("secret internal detail")));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/boom");
        request.Headers.Add(RequestIdMiddleware.HeaderName, "req-42");

        using var response = await host.Client.SendAsync(request);
        var message = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!;

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        Assert.Equal("req-42", response.Headers.GetValues(RequestIdMiddleware.HeaderName).Single());
        var errorId = message[(message.IndexOf("Error id: ", StringComparison.Ordinal) + "Error id: ".Length)..];
        var errors = logs.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        var logged = Assert.Single(errors);
        Assert.Contains(errorId, logged.Message, StringComparison.Ordinal);
        Assert.IsType<InvalidOperationException>(logged.Exception);
    }

    [Fact]
    public async Task Errors_on_HEAD_have_the_status_and_no_body()
    {
        await using var host = await TestHost.StartAsync(
            configure: b => b.Services.AddSingleton<IExceptionTranslator, TimeoutTranslator>(),
            map: app => app.MapMethods("/slow", ["HEAD"], string () => throw new TimeoutException()));

        using var response = await host.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, "/slow"));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("7", response.Headers.GetValues("Retry-After").Single());
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task A_failure_after_the_response_started_cuts_the_connection_instead_of_ending_the_body_short()
    {
        await using var host = await TestHost.StartAsync(map: app => app.MapGet("/half", async (HttpContext context) =>
        {
            context.Response.ContentLength = 1000;
            await context.Response.Body.WriteAsync(new byte[10]);
            await context.Response.Body.FlushAsync();
            throw new InvalidOperationException("after the headers");
        }));

        await Assert.ThrowsAnyAsync<HttpRequestException>(async () =>
        {
            using var response = await host.Client.GetAsync("/half");
            await response.Content.ReadAsByteArrayAsync();
        });
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

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("No route for request: DELETE /nowhere/x", error.GetProperty("message").GetString());
        Assert.Equal("NotFoundException", error.GetProperty("type").GetString());
        Assert.Equal(404, error.GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task A_known_route_with_another_method_is_405_with_Allow_in_the_error_contract()
    {
        await using var host = await TestHost.StartAsync(map: app => app.MapGet("/thing", () => "ok"));

        using var response = await host.Client.PostAsync("/thing", new StringContent("{}"));
        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal("GET", string.Join(",", response.Content.Headers.Allow));
        Assert.Equal("MethodNotAllowedException", error.GetProperty("type").GetString());
        Assert.Equal(405, error.GetProperty("code").GetInt32());
        Assert.True(response.Headers.Contains("X-Request-Id"));
    }

    [Fact]
    public async Task Liveness_ignores_dependencies_and_readiness_follows_them()
    {
        await using var host = await TestHost.StartAsync(configure: b =>
            b.Services.AddHealthChecks().AddCheck("database", () => HealthCheckResult.Unhealthy("down"), tags: [HealthTags.Ready]));

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

/// <summary>Keeps every log entry written through it, for assertions on what was logged.</summary>
internal sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(string Category, LogLevel Level, string Message, Exception? Exception)> _entries = new();

    public IReadOnlyList<(string Category, LogLevel Level, string Message, Exception? Exception)> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, System.Collections.Concurrent.ConcurrentQueue<(string, LogLevel, string, Exception?)> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue((category, logLevel, formatter(state, exception), exception));
    }
}
