namespace Lakekeeper.Abstractions.Statistics;

/// <summary>
/// Counts API requests for the endpoint statistics (<c>POST /management/v1/endpoint-statistics</c>).
/// The host calls it once per request that matched an API route, after the answer: it must be cheap
/// and must never block or throw (counts are kept in memory and written to the database later).
/// </summary>
public interface IEndpointCallCounter
{
    /// <param name="httpRoute">The method and route template, e.g. <c>GET /catalog/v1/{prefix}/namespaces</c>.</param>
    /// <param name="statusCode">The answer's status.</param>
    /// <param name="warehouse">The warehouse the route names (<c>{prefix}</c> or <c>{warehouse_id}</c>), unparsed, if any.</param>
    /// <param name="project">The <c>x-project-id</c> header, unparsed, if any.</param>
    void Count(string httpRoute, int statusCode, string? warehouse, string? project);
}
