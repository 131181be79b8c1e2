using Lakekeeper.Persistence;
using Microsoft.AspNetCore.Builder;

namespace Lakekeeper.Events;

public static class EventsRegistration
{
    /// <summary>
    /// The events module: it reads the transactional outbox that every catalog change writes in its
    /// own transaction (table <c>event_outbox</c>). Publishing to NATS arrives with the events issue;
    /// until then the rows accumulate and nothing is lost.
    /// </summary>
    public static WebApplicationBuilder AddEvents(this WebApplicationBuilder builder)
    {
        builder.Services.AddLakekeeperDatabase(builder.Configuration);
        return builder;
    }
}
