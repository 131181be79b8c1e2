using System.ComponentModel.DataAnnotations;
using System.Text;
using System.Text.Json;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;
using Scalar.AspNetCore;
using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Management;

/// <summary>Marks an operation that reads the <c>x-project-id</c> header, so the document lists it.</summary>
internal sealed class ProjectScoped
{
    public static ProjectScoped Instance { get; } = new();
}

/// <summary>
/// Query parameters a handler reads from the request itself (paging, filters), so the document lists
/// them; <c>pageSize</c> is an integer, the others strings.
/// </summary>
internal sealed class QueryParameters(params string[] names)
{
    public static QueryParameters Paged { get; } = new("pageToken", "pageSize");

    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>Route values (UUIDs) a handler reads from the request itself, so the document lists them.</summary>
internal sealed class PathParameters(params string[] names)
{
    public IReadOnlyList<string> Names { get; } = names;
}

/// <summary>
/// The API documentation: the management OpenAPI document generated from the endpoints
/// (<c>/api-docs/management/v1/openapi.json</c>, committed as <c>contracts/management-open-api.json</c>),
/// the pinned Iceberg REST spec (<c>/api-docs/catalog/v1/openapi.json</c>, converted from the YAML in
/// <c>contracts/</c>), and an interactive browser of both at <c>/swagger-ui</c> (Scalar, served from
/// the assembly: no CDN).
/// </summary>
internal static class ApiDocs
{
    public const string DocumentName = "management";
    public const string ManagementPath = "/api-docs/management/v1/openapi.json";
    public const string CatalogPath = "/api-docs/catalog/v1/openapi.json";
    public const string BrowserPath = "/swagger-ui";
    private const string ErrorSchema = "IcebergErrorResponse";

    private static readonly Lazy<byte[]> CatalogDocument = new(() => YamlToJson("iceberg-rest-catalog-open-api.yaml"));

    public static IServiceCollection AddManagementOpenApi(this IServiceCollection services)
    {
        // Typed results and the document's schemas use the HTTP JSON options: the management records
        // first, and Lakekeeper's kebab-case (a source-generated context's naming policy applies only
        // to its own options). Nothing else in the hosts serialises through these options.
        services.ConfigureHttpJsonOptions(json =>
        {
            json.SerializerOptions.TypeInfoResolverChain.Insert(0, ManagementJsonContext.Default);
            json.SerializerOptions.TypeInfoResolverChain.Insert(1, Identity.IdentityJson.Default);
            json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.KebabCaseLower;
            json.SerializerOptions.NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.Strict;
        });
        services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.ShouldInclude = description => description.RelativePath?.StartsWith("management/", StringComparison.Ordinal) == true;
            options.AddSchemaTransformer(DescribeStorageTypesAsync);
            options.AddSchemaTransformer(static (schema, context, _) =>
            {
                DescribeAllowedValues(schema, context);
                DescribeStorageEnums(schema, context);
                return Task.CompletedTask;
            });
            options.AddOperationTransformer(static (operation, context, _) =>
            {
                foreach (var name in context.Description.ActionDescriptor.EndpointMetadata.OfType<QueryParameters>().SelectMany(q => q.Names))
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = name,
                        In = ParameterLocation.Query,
                        Required = false,
                        Schema = new OpenApiSchema { Type = name == "pageSize" ? JsonSchemaType.Integer : JsonSchemaType.String },
                    });
                }

                foreach (var name in context.Description.ActionDescriptor.EndpointMetadata.OfType<PathParameters>().SelectMany(p => p.Names))
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = name,
                        In = ParameterLocation.Path,
                        Required = true,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
                    });
                }

                if (context.Description.ActionDescriptor.EndpointMetadata.OfType<ProjectScoped>().Any())
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = ProjectsApi.ProjectHeader,
                        In = ParameterLocation.Header,
                        Required = false,
                        Description = "Project ID (optional; the default project when absent, if enabled)",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "uuid" },
                    });
                }

                return Task.CompletedTask;
            });
            options.AddDocumentTransformer(static (document, _, _) =>
            {
                document.Info = new OpenApiInfo
                {
                    Title = "Lakekeeper.NET Management API",
                    Version = "v1",
                    Description = "Projects, warehouses, statistics and permissions checks of a Lakekeeper.NET server, " +
                        "in the paths and bodies of Lakekeeper's management API (differences: docs/management.md). " +
                        "Every error is an Iceberg ErrorModel: {\"error\":{\"message\",\"type\",\"code\"}}.",
                };
                // The document is committed and compared: nothing that depends on the request.
                document.Servers = [];
                document.Components ??= new OpenApiComponents();
                document.Components.Schemas ??= new Dictionary<string, IOpenApiSchema>();
                document.Components.Schemas[ErrorSchema] = IcebergErrorResponse();
                DescribeRequired(document);
                foreach (var operation in document.Paths.Values.SelectMany(p => p.Operations is { } operations ? operations.Values : Enumerable.Empty<OpenApiOperation>()))
                {
                    operation.Responses ??= [];
                    operation.Responses["4XX"] = new OpenApiResponse
                    {
                        Description = "The request was refused; the body says why",
                        Content = new Dictionary<string, OpenApiMediaType>
                        {
                            ["application/json"] = new() { Schema = new OpenApiSchemaReference(ErrorSchema, document) },
                        },
                    };
                }

                return Task.CompletedTask;
            });
        });
        return services;
    }

    public static IEndpointRouteBuilder MapApiDocs(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapOpenApi("/api-docs/{documentName}/v1/openapi.json").ExcludeFromDescription();
        endpoints.MapGet(CatalogPath, static () => TypedResults.Bytes(CatalogDocument.Value, "application/json")).ExcludeFromDescription();
        endpoints.MapScalarApiReference(BrowserPath, static options => options
                .WithTitle("Lakekeeper.NET API")
                .AddDocument(DocumentName, "Management API", ManagementPath, isDefault: true)
                .AddDocument("catalog", "Iceberg REST Catalog API", CatalogPath))
            .ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>
    /// Storage profiles and credentials are read by their own converters (a <c>type</c> discriminator
    /// in any position); the document shows them as the <c>oneOf</c> they are.
    /// </summary>
    private static async Task DescribeStorageTypesAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        (Type Type, string Discriminator)[] variants = context.JsonTypeInfo.Type == typeof(StorageProfile)
            ? [(typeof(S3StorageProfile), S3StorageProfile.TypeName), (typeof(FileStorageProfile), FileStorageProfile.TypeName)]
            : context.JsonTypeInfo.Type == typeof(StorageCredential)
                ? [(typeof(S3AccessKeyCredential), S3AccessKeyCredential.TypeName)]
                : [];
        if (variants.Length == 0)
        {
            return;
        }

        schema.Type = null;
        schema.OneOf = [];
        foreach (var (type, discriminator) in variants)
        {
            var variant = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
            variant.Properties ??= new Dictionary<string, IOpenApiSchema>();
            variant.Properties["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue(discriminator)] };
            variant.Required ??= new HashSet<string>();
            variant.Required.Add("type");
            if (type == typeof(S3AccessKeyCredential))
            {
                variant.Properties["credential-type"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue(S3AccessKeyCredential.CredentialTypeName)] };
                variant.Description = "An S3 access key; aws-access-key-id and aws-secret-access-key are accepted for access-key-id and secret-access-key.";
            }

            schema.OneOf.Add(variant);
        }

        schema.Discriminator = new OpenApiDiscriminator { PropertyName = "type" };
    }

    /// <summary>
    /// <see cref="AllowedValuesAttribute"/> becomes the property's <c>enum</c> (with <c>null</c> when
    /// the property is nullable). Request fields are nullable in the records so that a missing one is
    /// a 400 naming it; <see cref="DescribeRequired"/> says what the API requires instead.
    /// </summary>
    private static void DescribeAllowedValues(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        if (context.JsonPropertyInfo?.AttributeProvider?.GetCustomAttributes(typeof(AllowedValuesAttribute), inherit: false)
            is [AllowedValuesAttribute { Values: var values }, ..])
        {
            schema.Enum = [.. values.Select(v => JsonValue(Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)!))];
            if (schema.Type is { } type && type.HasFlag(JsonSchemaType.Null))
            {
                schema.Enum.Add(null!);
            }
        }
    }

    /// <summary>
    /// The S3 enums the storage library writes with converters of their own: strings with the values
    /// Lakekeeper's spec names (the readers also take a few aliases, e.g. <c>minio</c>, <c>path-style</c>).
    /// </summary>
    private static void DescribeStorageEnums(OpenApiSchema schema, OpenApiSchemaTransformerContext context)
    {
        string[]? values = context.JsonTypeInfo.Type == typeof(Lakekeeper.Storage.Profiles.S3Flavor) ? ["aws", "s3-compat"]
            : context.JsonTypeInfo.Type == typeof(Lakekeeper.Storage.Profiles.S3UrlStyle) ? ["auto", "path", "virtual-host"]
            : null;
        if (values is not null)
        {
            schema.Type = JsonSchemaType.String;
            schema.Enum = [.. values.Select(v => JsonValue(v))];
        }
        else if (context.JsonTypeInfo.Type == typeof(Lakekeeper.Storage.Locations.StorageLayout))
        {
            DescribeStorageLayout(schema);
        }
    }

    /// <summary>Lakekeeper's <c>storage-layout</c>, read by a converter of its own: a type and the templates that type takes.</summary>
    private static void DescribeStorageLayout(OpenApiSchema schema)
    {
        schema.Type = JsonSchemaType.Object;
        schema.Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["type"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = [JsonValue(Lakekeeper.Storage.Locations.StorageLayout.DefaultType), JsonValue(Lakekeeper.Storage.Locations.StorageLayout.FullHierarchyType),
                    JsonValue(Lakekeeper.Storage.Locations.StorageLayout.TabularOnlyType)],
            },
            ["namespace"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "full-hierarchy only (required there): the folder of each namespace level; placeholders {uuid} and {name}.",
            },
            ["tabular"] = new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Description = "full-hierarchy and tabular-only (required there): the table's or view's folder; placeholders {uuid} and {name} (tabular-only needs {uuid}).",
            },
        };
        schema.Required = new HashSet<string> { "type" };
        schema.AdditionalPropertiesAllowed = false;
        schema.Description = "How default table and view locations are built below the warehouse: default = <base>/<uuid>; full-hierarchy = one folder per " +
            "namespace level, then the table's; tabular-only = the table's folder only. Unset keeps this server's <namespace levels>/<name>-<id>.";
    }

    /// <summary>
    /// Runs on the finished document, where nullable references are already <c>oneOf</c> with
    /// <c>null</c>: for each schema of one of our records, a property is required when it is not
    /// nullable or carries <see cref="RequiredAttribute"/> (which also removes its <c>null</c>).
    /// </summary>
    private static void DescribeRequired(OpenApiDocument document)
    {
        var types = new[] { typeof(ApiDocs).Assembly, typeof(StorageProfile).Assembly }
            .SelectMany(a => a.GetTypes()).GroupBy(t => t.Name, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        foreach (var (name, component) in document.Components?.Schemas ?? new Dictionary<string, IOpenApiSchema>())
        {
            if (component is not OpenApiSchema { Properties: { Count: > 0 } properties } schema || !types.TryGetValue(name, out var type))
            {
                continue;
            }

            foreach (var property in type.GetProperties())
            {
                var json = property.GetCustomAttributes(typeof(System.Text.Json.Serialization.JsonPropertyNameAttribute), inherit: false) is [System.Text.Json.Serialization.JsonPropertyNameAttribute named, ..]
                    ? named.Name
                    : JsonNamingPolicy.KebabCaseLower.ConvertName(property.Name);
                if (!properties.TryGetValue(json, out var propertySchema))
                {
                    continue;
                }

                if (property.IsDefined(typeof(RequiredAttribute), inherit: false))
                {
                    schema.Required ??= new HashSet<string>();
                    schema.Required.Add(json);
                    properties[json] = NonNull(propertySchema);
                }
                else if (IsNullable(propertySchema))
                {
                    schema.Required?.Remove(json);
                }
            }
        }
    }

    private static bool IsNullable(IOpenApiSchema schema) =>
        schema.Type is { } type && type.HasFlag(JsonSchemaType.Null)
        || schema.OneOf?.Any(o => o.Type == JsonSchemaType.Null) == true;

    /// <summary>The schema without its <c>null</c>: the type flag removed, or the <c>oneOf</c>'s null branch dropped.</summary>
    private static IOpenApiSchema NonNull(IOpenApiSchema schema)
    {
        if (schema is OpenApiSchema { OneOf: { Count: > 0 } oneOf } union && oneOf.Any(o => o.Type == JsonSchemaType.Null))
        {
            var rest = oneOf.Where(o => o.Type != JsonSchemaType.Null).ToList();
            if (rest.Count == 1 && union.Description is null)
            {
                return rest[0];
            }

            union.OneOf = rest;
            return union;
        }

        if (schema is OpenApiSchema { Type: { } type } plain && type.HasFlag(JsonSchemaType.Null))
        {
            plain.Type = type & ~JsonSchemaType.Null;
            plain.Enum = plain.Enum?.Where(v => v is not null).ToList();
        }

        return schema;
    }

    private static System.Text.Json.Nodes.JsonNode JsonValue(string text) => System.Text.Json.Nodes.JsonValue.Create(text);

    private static OpenApiSchema IcebergErrorResponse() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "JSON error payload returned in a response with further details on the error",
        Required = new HashSet<string> { "error" },
        Properties = new Dictionary<string, IOpenApiSchema>
        {
            ["error"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "message", "type", "code" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Human-readable error message" },
                    ["type"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "Internal type definition of the error" },
                    ["code"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32", Description = "HTTP response code" },
                },
            },
        },
    };

    /// <summary>
    /// An embedded YAML document as JSON. Plain scalars that read as booleans, null or numbers keep
    /// that type (as YAML 1.2's core schema reads them); quoted scalars stay strings.
    /// </summary>
    internal static byte[] YamlToJson(string resource)
    {
        using var stream = typeof(ApiDocs).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The embedded resource {resource} is missing from the build");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var yaml = new YamlStream();
        yaml.Load(reader);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, yaml.Documents[0].RootNode);
        }

        return buffer.ToArray();
    }

    private static void Write(Utf8JsonWriter writer, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (key, value) in mapping.Children)
                {
                    writer.WritePropertyName(((YamlScalarNode)key).Value ?? string.Empty);
                    Write(writer, value);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode { Style: YamlDotNet.Core.ScalarStyle.Plain } scalar:
                WritePlain(writer, scalar.Value ?? string.Empty);
                break;
            case YamlScalarNode scalar:
                writer.WriteStringValue(scalar.Value);
                break;
            default:
                throw new InvalidOperationException($"Unsupported YAML node {node.NodeType}");
        }
    }

    private static void WritePlain(Utf8JsonWriter writer, string value)
    {
        switch (value)
        {
            case "true":
                writer.WriteBooleanValue(true);
                return;
            case "false":
                writer.WriteBooleanValue(false);
                return;
            case "null" or "~" or "":
                writer.WriteNullValue();
                return;
        }

        if (long.TryParse(value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var integer))
        {
            writer.WriteNumberValue(integer);
        }
        else if (value.Length > 0 && (char.IsDigit(value[0]) || value[0] is '-' or '.') && value.Count(c => c == '.') == 1
                 && double.TryParse(value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }
}
