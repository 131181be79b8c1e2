using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Text.Json.Serialization;
using Lakekeeper.Storage.Credentials;
using Lakekeeper.Storage.Profiles;

namespace Lakekeeper.Management;

// Request and response bodies of the server, project, warehouse, statistics and action endpoints,
// as Lakekeeper's management API spells them (kebab-case). Request fields are nullable so that a
// missing one is a 400 naming it rather than a deserialisation failure; unknown fields are refused
// (a misspelt optional field would otherwise be silently ignored).

[Description("Server information: versions, bootstrap state, the default project, the authorizer and the task queues.")]
internal sealed record ServerInfo(
    [property: Description("Deprecated alias of lakekeeper-version.")] string Version,
    [property: Description("Version of this server (Lakekeeper.NET).")] string LakekeeperVersion,
    [property: Description("Commit the server was built from, when known.")] string? LakekeeperCommitSha,
    bool Bootstrapped,
    [property: Description("Null until the server is bootstrapped.")] Guid? ServerId,
    [property: Description("The project used when a request sends no x-project-id; null when disabled.")] string? DefaultProjectId,
    string AuthzBackend,
    bool AwsSystemIdentitiesEnabled,
    bool AzureSystemIdentitiesEnabled,
    bool GcpSystemIdentitiesEnabled,
    [property: Description("Task queues registered on this server.")] IReadOnlyList<string> Queues,
    LicenseStatus LicenseStatus);

internal sealed record LicenseStatus(string LicenseType, bool Valid);

[Description("Create a project; without project-id the server picks a UUIDv7.")]
internal sealed record CreateProjectRequest([property: Required] string? ProjectName, string? ProjectId);

internal sealed record CreateProjectResponse(Guid ProjectId);

internal sealed record GetProjectResponse(Guid ProjectId, string ProjectName);

internal sealed record ListProjectsResponse(IReadOnlyList<GetProjectResponse> Projects);

internal sealed record RenameProjectRequest([property: Required] string? NewName);

/// <summary><c>{"type":"hard"}</c> or <c>{"type":"soft","expiration-seconds":N}</c>.</summary>
[Description("What dropping a table or view does: hard (gone at once) or soft (hidden, undroppable until expiration-seconds have passed).")]
internal sealed record TabularDeleteProfile(
    [property: Required] [property: AllowedValues("hard", "soft")] string? Type,
    [property: Description("Required with type soft: seconds until a dropped table or view is gone for good.")] long? ExpirationSeconds);

[Description("Create a warehouse. warehouse-id (our extension) picks the id; otherwise the server assigns a UUIDv7.")]
internal sealed record CreateWarehouseRequest(
    [property: Required] string? WarehouseName,
    [property: Required] StorageProfile? StorageProfile,
    StorageCredential? StorageCredential,
    TabularDeleteProfile? DeleteProfile,
    IReadOnlyList<int>? AllowedFormatVersions,
    int? DefaultFormatVersion,
    [property: AllowedValues("self-managed", "instance-admin")] string? ManagedBy,
    [property: Description("Deprecated: use the x-project-id header.")] string? ProjectId,
    [property: Description("Extension: the id of the new warehouse (409 when taken).")] Guid? WarehouseId);

[Description("A warehouse. The storage credential is never returned; storage-credential-type says which kind is stored.")]
internal sealed record GetWarehouseResponse(
    [property: Description("Deprecated alias of warehouse-id.")] Guid Id,
    Guid WarehouseId,
    string Name,
    Guid ProjectId,
    StorageProfile StorageProfile,
    TabularDeleteProfile DeleteProfile,
    [property: AllowedValues("active", "inactive")] string Status,
    bool Protected,
    IReadOnlyList<int> AllowedFormatVersions,
    int? DefaultFormatVersion,
    [property: AllowedValues("self-managed", "instance-admin")] string ManagedBy,
    StorageCredentialType? StorageCredentialType,
    DateTimeOffset? UpdatedAt);

internal sealed record StorageCredentialType(string Type, string CredentialType);

internal sealed record ListWarehousesResponse(IReadOnlyList<GetWarehouseResponse> Warehouses);

internal sealed record RenameWarehouseRequest([property: Required] string? NewName);

[Description("self-managed or instance-admin; this server supports only self-managed.")]
internal sealed record SetWarehouseManagedByRequest([property: Required] [property: AllowedValues("self-managed", "instance-admin")] string? ManagedBy);

internal sealed record SetProtectionRequest([property: Required] bool? Protected);

internal sealed record ProtectionResponse(
    bool Protected,
    [property: JsonPropertyName("updated_at")] DateTimeOffset? UpdatedAt);

internal sealed record UpdateWarehouseDeleteProfileRequest([property: Required] TabularDeleteProfile? DeleteProfile);

internal sealed record UpdateWarehouseFormatVersionPolicyRequest([property: Required] IReadOnlyList<int>? AllowedFormatVersions, int? DefaultFormatVersion);

[Description("Replace the storage profile (it must keep the warehouse's location) and the credential (none given: none is stored).")]
internal sealed record UpdateWarehouseStorageRequest([property: Required] StorageProfile? StorageProfile, StorageCredential? StorageCredential);

[Description("Replace the storage credential; without new-storage-credential the stored one is removed.")]
internal sealed record UpdateWarehouseCredentialRequest(StorageCredential? NewStorageCredential);

[Description("The outcome of a validation: 200 whether or not the configuration is usable.")]
internal sealed record ValidateWarehouseResponse(bool Valid, IReadOnlyList<ValidationCheck> Checks);

[Description("One check: passed, failed (with error) or skipped (with reason).")]
internal sealed record ValidationCheck(string Name, [property: AllowedValues("passed", "failed", "skipped")] string Status, long? DurationMs, ErrorModel? Error, string? Reason);

internal sealed record ErrorModel(string Message, string Type, int Code);

internal sealed record SearchTabularRequest([property: Required] [property: Description("At most 64 characters are used.")] string? Search);

internal sealed record SearchTabularResponse(IReadOnlyList<SearchTabular> Tabulars);

internal sealed record SearchTabular(IReadOnlyList<string> NamespaceName, string TabularName, TabularIdentUuid TabularId, float? Distance);

internal sealed record TabularIdentUuid([property: AllowedValues("table", "view")] string Type, Guid Id);

internal sealed record WarehouseStatisticsResponse(Guid WarehouseIdent, IReadOnlyList<WarehouseStatistics> Stats, string? NextPageToken);

internal sealed record WarehouseStatistics(DateTimeOffset Timestamp, long NumberOfTables, long NumberOfViews, DateTimeOffset UpdatedAt);

[Description("warehouse: {\"type\":\"all\"}, {\"type\":\"unmapped\"} or {\"type\":\"warehouse-id\",\"id\":…}; range-specifier: {\"type\":\"window\",\"end\",\"interval\"} or {\"type\":\"page-token\",\"token\"} (default: the last day).")]
internal sealed record GetEndpointStatisticsRequest([property: Required] WarehouseFilterBody? Warehouse, IReadOnlyList<int>? StatusCodes, RangeSpecifier? RangeSpecifier);

internal sealed record WarehouseFilterBody([property: Required] [property: AllowedValues("all", "unmapped", "warehouse-id")] string? Type, [property: Description("With type warehouse-id.")] Guid? Id);

internal sealed record RangeSpecifier(
    [property: Required] [property: AllowedValues("window", "page-token")] string? Type,
    DateTimeOffset? End,
    [property: Description("ISO 8601 duration, e.g. PT1H or P1D")] string? Interval,
    string? Token);

internal sealed record EndpointStatisticsResponse(
    IReadOnlyList<DateTimeOffset> Timestamps,
    IReadOnlyList<IReadOnlyList<EndpointStatistic>> CalledEndpoints,
    string PreviousPageToken,
    string NextPageToken);

internal sealed record EndpointStatistic(
    long Count, string HttpRoute, int StatusCode, Guid? WarehouseId, string? WarehouseName, DateTimeOffset CreatedAt, DateTimeOffset? UpdatedAt);

[Description("Checks of catalog actions, each on one object, for the caller or another user or role.")]
internal sealed record CatalogActionsBatchCheckRequest([property: Required] IReadOnlyList<CatalogActionCheckItem?>? Checks, bool? ErrorOnNotFound);

internal sealed record CatalogActionCheckItem(string? Id, UserOrRole? Identity, [property: Required] CatalogActionCheckOperation? Operation);

internal sealed record UserOrRole(string? User, Guid? Role);

[Description("Exactly one of server, project, warehouse, namespace, table or view, each with its action.")]
internal sealed record CatalogActionCheckOperation(
    ActionOnServer? Server,
    ActionOnProject? Project,
    ActionOnWarehouse? Warehouse,
    ActionOnNamespace? Namespace,
    ActionOnTabular? Table,
    ActionOnTabular? View);

internal sealed record ActionOnServer([property: Required] ActionName? Action);

internal sealed record ActionOnProject([property: Required] ActionName? Action, Guid? ProjectId);

internal sealed record ActionOnWarehouse([property: Required] ActionName? Action, [property: Required] Guid? WarehouseId);

internal sealed record ActionOnNamespace([property: Required] ActionName? Action, [property: Required] Guid? WarehouseId, Guid? NamespaceId, IReadOnlyList<string>? Namespace);

internal sealed record ActionOnTabular(
    [property: Required] ActionName? Action, [property: Required] Guid? WarehouseId, Guid? TableId, IReadOnlyList<string>? Namespace, string? Table,
    [property: JsonPropertyName("view-id")] Guid? ViewId,
    [property: JsonPropertyName("view")] string? ViewName);

/// <summary>An action: <c>{"action":"create_namespace", …}</c> (fields beyond the name describe the intent and are not checked).</summary>
internal sealed record ActionName
{
    [JsonPropertyName("action")]
    [Required]
    public string? Name { get; init; }

    [JsonExtensionData]
    public Dictionary<string, System.Text.Json.JsonElement>? Details { get; set; }
}

internal sealed record CatalogActionsBatchCheckResponse(IReadOnlyList<CatalogActionsBatchCheckResult> Results);

internal sealed record CatalogActionsBatchCheckResult(string? Id, bool Allowed);

[Description("What the principal may do, each action as Lakekeeper spells it: {\"action\":\"<name>\"}.")]
internal sealed record AllowedActionsResponse(IReadOnlyList<AllowedAction> AllowedActions);

internal sealed record AllowedAction(string Action);

[Description("One assignment (grant): a relation ('type') held by exactly one of a user and a role's assignees.")]
internal sealed record PermissionAssignment(string? Type, string? User, string? Role);

[Description("The assignments on an object, sorted by relation, then subject.")]
internal sealed record GetPermissionsResponse(IReadOnlyList<PermissionAssignment> Assignments);

[Description("Assignments to write and to delete, at most 100 in all; the caller needs the right to grant each relation touched.")]
internal sealed record UpdatePermissionsRequest(IReadOnlyList<PermissionAssignment?>? Writes, IReadOnlyList<PermissionAssignment?>? Deletes);

[Description("The authorizer actions (the model's can_* relations) allowed on the object.")]
internal sealed record GetAuthorizerActionsResponse(IReadOnlyList<string> AllowedActions);

internal sealed record SetManagedAccessRequest(bool? ManagedAccess);

[Description("Managed access of a warehouse or namespace: set on it, or inherited from a container (namespaces only).")]
internal sealed record GetManagedAccessResponse(bool ManagedAccess, bool ManagedAccessInherited);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.KebabCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    MaxDepth = 32)]
[JsonSerializable(typeof(ServerInfo))]
[JsonSerializable(typeof(Identity.BootstrapRequest))]
[JsonSerializable(typeof(CreateProjectRequest))]
[JsonSerializable(typeof(CreateProjectResponse))]
[JsonSerializable(typeof(GetProjectResponse))]
[JsonSerializable(typeof(ListProjectsResponse))]
[JsonSerializable(typeof(RenameProjectRequest))]
[JsonSerializable(typeof(CreateWarehouseRequest))]
[JsonSerializable(typeof(GetWarehouseResponse))]
[JsonSerializable(typeof(ListWarehousesResponse))]
[JsonSerializable(typeof(RenameWarehouseRequest))]
[JsonSerializable(typeof(SetWarehouseManagedByRequest))]
[JsonSerializable(typeof(SetProtectionRequest))]
[JsonSerializable(typeof(ProtectionResponse))]
[JsonSerializable(typeof(UpdateWarehouseDeleteProfileRequest))]
[JsonSerializable(typeof(UpdateWarehouseFormatVersionPolicyRequest))]
[JsonSerializable(typeof(UpdateWarehouseStorageRequest))]
[JsonSerializable(typeof(UpdateWarehouseCredentialRequest))]
[JsonSerializable(typeof(ValidateWarehouseResponse))]
[JsonSerializable(typeof(SearchTabularRequest))]
[JsonSerializable(typeof(SearchTabularResponse))]
[JsonSerializable(typeof(WarehouseStatisticsResponse))]
[JsonSerializable(typeof(GetEndpointStatisticsRequest))]
[JsonSerializable(typeof(EndpointStatisticsResponse))]
[JsonSerializable(typeof(CatalogActionsBatchCheckRequest))]
[JsonSerializable(typeof(CatalogActionsBatchCheckResponse))]
[JsonSerializable(typeof(AllowedActionsResponse))]
[JsonSerializable(typeof(GetPermissionsResponse))]
[JsonSerializable(typeof(UpdatePermissionsRequest))]
[JsonSerializable(typeof(GetAuthorizerActionsResponse))]
[JsonSerializable(typeof(SetManagedAccessRequest))]
[JsonSerializable(typeof(GetManagedAccessResponse))]
[JsonSerializable(typeof(FileStorageProfile))]
[JsonSerializable(typeof(S3StorageProfile))]
[JsonSerializable(typeof(S3AccessKeyCredential))]
internal sealed partial class ManagementJsonContext : JsonSerializerContext;
