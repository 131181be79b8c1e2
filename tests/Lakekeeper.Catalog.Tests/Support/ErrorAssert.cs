using System.Text.Json;

namespace Lakekeeper.Catalog.Tests.Support;

/// <summary>Checks of the Iceberg error contract: <c>{"error":{"message","type","code"}}</c> with code = HTTP status.</summary>
public static class ErrorAssert
{
    /// <summary>Asserts the error shape, status and type; returns the message.</summary>
    public static string Is(HttpReply reply, int status, string type)
    {
        Assert.True(reply.Status == status, $"expected {status} {type}, got {reply}");
        var message = Shape(reply);
        var error = reply.Json.GetProperty("error");
        Assert.Equal(type, error.GetProperty("type").GetString());
        return message;
    }

    public static void Exactly(HttpReply reply, int status, string type, string message) =>
        Assert.Equal(message, Is(reply, status, type));

    public static void StartsWith(HttpReply reply, int status, string type, string prefix) =>
        Assert.StartsWith(prefix, Is(reply, status, type), StringComparison.Ordinal);

    public static void Contains(HttpReply reply, int status, string type, string part) =>
        Assert.Contains(part, Is(reply, status, type), StringComparison.Ordinal);

    /// <summary>Any 4xx in the error shape (hostile input: the exact wording is not the point).</summary>
    public static string ClientError(HttpReply reply)
    {
        Assert.True(reply.Status is >= 400 and < 500, $"expected a 4xx, got {reply}");
        return Shape(reply);
    }

    /// <summary>The body is the error model with <c>code</c> equal to the status; returns the message.</summary>
    public static string Shape(HttpReply reply)
    {
        Assert.True(reply.ContentHeaders.ContentType?.MediaType == "application/json", $"error without a JSON content type: {reply}");
        JsonElement root;
        try
        {
            root = reply.Json;
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"error body is not JSON ({ex.Message}): {reply}");
        }

        Assert.True(root.ValueKind == JsonValueKind.Object, $"error body is not an object: {reply}");
        Assert.True(root.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object, $"error body has no error object: {reply}");
        Assert.True(error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String && message.GetString()!.Length > 0,
            $"error without a message: {reply}");
        Assert.True(error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String && type.GetString()!.Length > 0,
            $"error without a type: {reply}");
        Assert.True(error.TryGetProperty("code", out var code) && code.ValueKind == JsonValueKind.Number, $"error without a numeric code: {reply}");
        Assert.Equal(reply.Status, code.GetInt32());
        return message.GetString()!;
    }

    /// <summary>A HEAD answer: the status, and no body.</summary>
    public static void HeadStatus(HttpReply reply, int status)
    {
        Assert.True(reply.Status == status, $"expected {status}, got {reply}");
        Assert.Empty(reply.BodyBytes);
    }
}
