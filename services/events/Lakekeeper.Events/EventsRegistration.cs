using Lakekeeper.Events.Relay;
using Lakekeeper.Events.Sinks;
using Lakekeeper.Persistence;
using Lakekeeper.Abstractions.Configuration;
using Lakekeeper.Abstractions.Health;
using Lakekeeper.Abstractions.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Events;

public static class EventsRegistration
{
    /// <summary>
    /// The events module: the relay that publishes the transactional outbox (written by every
    /// catalog change in its own transaction) to NATS, Kafka and the log, and the
    /// <c>watch-events</c> command. <c>LAKEKEEPER__EVENTS__RELAY=false</c> leaves the relay to
    /// another process (the events service).
    /// </summary>
    public static WebApplicationBuilder AddEvents(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddLakekeeperDatabase(builder.Configuration);
        services.AddValidatedOptions<EventsOptions>(builder.Configuration, EventsOptions.Section);
        services.AddSingleton<EventSinkOptionsSetup>();
        services.AddSingleton<IConfigureOptions<EventSinkOptions>>(sp => sp.GetRequiredService<EventSinkOptionsSetup>());
        services.AddSingleton<IValidateOptions<EventSinkOptions>>(sp => sp.GetRequiredService<EventSinkOptionsSetup>());
        services.AddOptions<EventSinkOptions>().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IHostCommand, WatchEventsCommand>();
        if (builder.Configuration.GetValue(EventsOptions.Section + ":" + nameof(EventsOptions.Relay), defaultValue: true))
        {
            services.AddSingleton<EventsMetrics>();
            services.AddSingleton<EventSinks>();
            services.AddSingleton<RelayState>();
            services.AddHostedService<EventRelay>();
            services.AddHealthChecks().AddCheck<RelayState>("events-relay", tags: [HealthTags.Ready]);
        }

        return builder;
    }
}
