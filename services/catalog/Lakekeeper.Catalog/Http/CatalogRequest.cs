using System.Buffers;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Iceberg;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Lakekeeper.Catalog.Http;

/// <summary>The shared steps of every catalog handler: resolve the warehouse, read the body, idempotency.</summary>
internal static class CatalogRequest
{
    /// <summary>Runs a read: resolves the warehouse from <c>{prefix}</c> first, then renders the service's answer.</summary>
    public static async Task<IResult> ReadAsync<T>(HttpContext context, Func<WarehouseContext, Task<Result<T>>> action, Func<T, IResult> render)
    {
        var warehouse = await ResolveAsync(context);
        if (warehouse.IsFailure)
        {
            return Render.Error(warehouse.Error);
        }

        var result = await action(warehouse.Value);
        return result.IsFailure ? Render.Error(result.Error) : render(result.Value);
    }

    /// <summary>A read whose rendering depends on the warehouse (e.g. its client config).</summary>
    public static async Task<IResult> ReadAsync<T>(HttpContext context, Func<WarehouseContext, Task<Result<T>>> action, Func<WarehouseContext, Func<T, IResult>> render)
    {
        var warehouse = await ResolveAsync(context);
        if (warehouse.IsFailure)
        {
            return Render.Error(warehouse.Error);
        }

        var result = await action(warehouse.Value);
        return result.IsFailure ? Render.Error(result.Error) : render(warehouse.Value)(result.Value);
    }

    /// <summary>
    /// Runs a mutation: resolves the warehouse, buffers the body (bounded by the server's body
    /// limit) and honours <c>Idempotency-Key</c>. The service commits through the
    /// <see cref="Completion{T}"/> it is given; <paramref name="render"/> answers with its outcome.
    /// </summary>
    public static Task<IResult> MutateAsync<T>(
        HttpContext context, string operation, Func<WarehouseContext, ReadOnlyMemory<byte>, Completion<T>, Task<Result<T>>> action,
        Func<T, CatalogResponse> render) =>
        MutateAsync(context, operation, action, _ => render);

    /// <summary>A mutation whose rendering depends on the warehouse (e.g. its client config).</summary>
    public static async Task<IResult> MutateAsync<T>(
        HttpContext context, string operation, Func<WarehouseContext, ReadOnlyMemory<byte>, Completion<T>, Task<Result<T>>> action,
        Func<WarehouseContext, Func<T, CatalogResponse>> render)
    {
        var warehouse = await ResolveAsync(context);
        if (warehouse.IsFailure)
        {
            return Render.Error(warehouse.Error);
        }

        var body = await ReadBodyAsync(context.Request);
        var gate = context.RequestServices.GetRequiredService<IdempotencyGate>();
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? context.Request.Path.Value ?? string.Empty;
        return await gate.RunAsync(
            context.Request.Headers[IdempotencyGate.HeaderName].ToString(),
            warehouse.Value.Id.ToString(), operation, context.Request.Method, target, body, render(warehouse.Value),
            completion => action(warehouse.Value, body, completion), context.RequestAborted);
    }

    /// <summary>
    /// A boolean query parameter: absent or empty is false; otherwise <c>true</c> or <c>false</c> in any
    /// case (pyiceberg sends <c>True</c>), anything else a 400 that names it.
    /// </summary>
    public static Result<bool> Flag(HttpContext context, string name)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return false;
        }

        return bool.TryParse(text, out var value) ? value : IcebergError.BadRequest($"{name} must be true or false");
    }

    /// <summary>Lakekeeper's listing extensions <c>returnUuids</c> and <c>returnProtectionStatus</c>.</summary>
    public static Result<ListingExtras> Extras(HttpContext context)
    {
        var uuids = Flag(context, "returnUuids");
        var protection = Flag(context, "returnProtectionStatus");
        return FirstError(uuids, protection) is { } invalid ? invalid : new ListingExtras(uuids.Value, protection.Value);
    }

    /// <summary>The first failure among flags, or null.</summary>
    public static IcebergError? FirstError(params ReadOnlySpan<Result<bool>> flags)
    {
        foreach (var flag in flags)
        {
            if (flag.IsFailure)
            {
                return flag.Error;
            }
        }

        return null;
    }

    /// <summary>The namespace levels of the <c>{namespace}</c> segment (levels joined by U+001F).</summary>
    public static IReadOnlyList<string> Namespace(HttpContext context) =>
        Identifiers.SplitNamespace(RawPath.Segment(context, 1) ?? string.Empty);

    /// <summary>The table or view name segment after <c>namespaces/{namespace}/tables/</c>.</summary>
    public static string Name(HttpContext context) => RawPath.Segment(context, 3) ?? string.Empty;

    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request)
    {
        // The host's body guard has the checked body in one buffer: use it, no copy (a refused body
        // is answered by the error boundary with the guard's status and message).
        if (request.HttpContext.Features.Get<Lakekeeper.Abstractions.Http.IRequestBodyFeature>() is { } guarded)
        {
            return (await guarded.ReadAsync(request.HttpContext.RequestAborted)).ContentOrThrow();
        }

        var reader = request.BodyReader;
        while (true)
        {
            var read = await reader.ReadAsync(request.HttpContext.RequestAborted);
            if (read.IsCompleted)
            {
                var bytes = read.Buffer.ToArray();
                reader.AdvanceTo(read.Buffer.End);
                return bytes;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>
    /// The warehouse of the request, once the caller may use it (<c>can_use</c>, as Lakekeeper asks on
    /// every catalog call): a warehouse the caller cannot see is 404, the same answer as a missing one.
    /// </summary>
    private static async ValueTask<Result<WarehouseContext>> ResolveAsync(HttpContext context)
    {
        var prefix = context.Request.RouteValues["prefix"] as string;
        var warehouse = await context.RequestServices.GetRequiredService<WarehouseResolver>().FromPrefixAsync(prefix, context.RequestAborted);
        if (warehouse.IsFailure)
        {
            return warehouse;
        }

        var access = context.RequestServices.GetRequiredService<AccessGuard>();
        var name = prefix ?? warehouse.Value.Name;
        return await access.RequireAsync(Authz.AuthzObject.Warehouse(warehouse.Value.Id.ToString()), Authz.Relations.CanUse,
                () => CatalogErrors.NoSuchWarehouse(name), context.RequestAborted) is { } denied
            ? denied
            : warehouse;
    }
}
