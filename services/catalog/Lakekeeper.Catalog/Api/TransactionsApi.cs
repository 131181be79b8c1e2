using System.Buffers;
using System.Text.Json;
using Lakekeeper.Catalog.Http;
using Lakekeeper.Catalog.Services;
using Lakekeeper.Iceberg;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Lakekeeper.Catalog.Api;

internal static class TransactionsApi
{
    public static void MapTransactionsApi(this RouteGroupBuilder catalog) =>
        catalog.MapBoth("POST", "transactions/commit", CommitTransaction);

    /// <summary>All tables commit atomically, or none does.</summary>
    private static Task<IResult> CommitTransaction(HttpContext context, CommitRunner commits, TableMetadataKind tables, Identifiers identifiers) =>
        CatalogRequest.MutateAsync<Done>(context, "commitTransaction", async (warehouse, body, completion) =>
        {
            var parsed = RestRequestJson.ParseCommitTransaction(body.Span);
            if (parsed.IsFailure)
            {
                return parsed.Error;
            }

            var changes = new List<MetadataChange<TableMetadata>>();
            foreach (var change in parsed.Value.TableChanges)
            {
                if (change.Identifier is null)
                {
                    return IcebergError.BadRequest("Every table change of a transaction needs an identifier");
                }

                if ((identifiers.CheckNamespace(change.Identifier.Namespace) ?? identifiers.CheckName(change.Identifier.Name)) is { } invalid)
                {
                    return invalid;
                }

                if (change.Requirements.Any(static r => r is TableRequirement.AssertCreate))
                {
                    return IcebergError.BadRequest("assert-create is not supported in a multi-table transaction; create the table first");
                }

                changes.Add(TableChange.Of(change.Identifier, change.Requirements, change.Updates, EventBody(change)));
            }

            if (changes.Count == 0)
            {
                return IcebergError.BadRequest("A transaction needs at least one table change");
            }

            return await commits.CommitTransactionAsync(tables, warehouse, changes, completion, context.RequestAborted);
        }, Render.NoContent);

    /// <summary>The change as JSON for its event: the requirements and updates as sent.</summary>
    private static byte[] EventBody(CommitTableRequest change)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("requirements");
            foreach (var requirement in change.Requirements)
            {
                writer.WriteRawValue(IcebergJsonWriter.Write(requirement), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("updates");
            foreach (var update in change.Updates)
            {
                writer.WriteRawValue(IcebergJsonWriter.Write(update), skipInputValidation: true);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }
}
