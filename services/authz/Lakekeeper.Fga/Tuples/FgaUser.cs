namespace Lakekeeper.Fga;

/// <summary>
/// The user side of a tuple or a question: an object (<c>user:alice</c>), every object of a type
/// (<c>user:*</c>) or a userset (<c>role:r1#assignee</c>, every user that has <c>assignee</c> on
/// <c>role:r1</c>). <see cref="Relation"/> is empty unless it is a userset.
/// </summary>
public readonly record struct FgaUser(string Type, string Id, string Relation)
{
    public const string WildcardId = "*";

    public FgaUser(string type, string id)
        : this(type, id, string.Empty)
    {
    }

    public bool IsWildcard => Id == WildcardId;

    public bool IsUserset => Relation.Length > 0;

    /// <summary>A plain object, neither a wildcard nor a userset.</summary>
    public bool IsObject => !IsWildcard && !IsUserset;

    public FgaObject AsObject => new(Type, Id);

    public static FgaUser Wildcard(string type) => new(type, WildcardId);

    public static FgaUser Userset(FgaObject obj, string relation) => new(obj.Type, obj.Id, relation);

    public override string ToString() => IsUserset ? Type + ":" + Id + "#" + Relation : Type + ":" + Id;

    /// <summary>Parses <c>type:id</c>, <c>type:*</c> or <c>type:id#relation</c>.</summary>
    public static FgaUser Parse(string? value, string field = "user")
    {
        if (!TryParse(value, out var user, out var reason))
        {
            throw new FgaException(FgaErrorCodes.InvalidTuple, $"invalid '{field}' field format: '{value}' ({reason})");
        }

        return user;
    }

    public static bool TryParse(string? value, out FgaUser user, out string reason)
    {
        user = default;
        if (string.IsNullOrEmpty(value))
        {
            reason = "empty";
            return false;
        }

        if (value.Length > TupleLimits.MaxUserLength)
        {
            reason = $"longer than {TupleLimits.MaxUserLength} characters";
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            reason = "expected type:id";
            return false;
        }

        var type = value[..colon];
        var rest = value[(colon + 1)..];
        var relation = string.Empty;
        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            relation = rest[(hash + 1)..];
            rest = rest[..hash];
            if (!TupleLimits.IsValidRelation(relation))
            {
                reason = "invalid relation";
                return false;
            }
        }

        if (!TupleLimits.IsValidType(type))
        {
            reason = "invalid type";
            return false;
        }

        if (!TupleLimits.IsValidId(rest) || (rest == WildcardId && relation.Length > 0))
        {
            reason = "invalid id";
            return false;
        }

        user = new FgaUser(type, rest, relation);
        reason = string.Empty;
        return true;
    }
}

/// <summary>An object, written <c>type:id</c>.</summary>
public readonly record struct FgaObject(string Type, string Id)
{
    public override string ToString() => Type + ":" + Id;

    public static FgaObject Parse(string? value, string field = "object")
    {
        if (!TryParse(value, out var obj))
        {
            throw new FgaException(FgaErrorCodes.InvalidTuple, $"invalid '{field}' field format: '{value}'");
        }

        return obj;
    }

    public static bool TryParse(string? value, out FgaObject obj)
    {
        obj = default;
        if (string.IsNullOrEmpty(value) || value.Length > TupleLimits.MaxObjectLength)
        {
            return false;
        }

        var colon = value.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return false;
        }

        var type = value[..colon];
        var id = value[(colon + 1)..];
        if (!TupleLimits.IsValidType(type) || !TupleLimits.IsValidId(id) || id == FgaUser.WildcardId)
        {
            return false;
        }

        obj = new FgaObject(type, id);
        return true;
    }
}

/// <summary>A relationship tuple: <paramref name="User"/> has <paramref name="Relation"/> on <paramref name="Object"/>.</summary>
public readonly record struct FgaTuple(FgaObject Object, string Relation, FgaUser User)
{
    public override string ToString() => $"{Object}#{Relation}@{User}";
}

/// <summary>OpenFGA's limits on the parts of a tuple.</summary>
public static class TupleLimits
{
    public const int MaxObjectLength = 256;
    public const int MaxUserLength = 512;
    public const int MaxRelationLength = 50;
    public const int MaxTypeLength = 254;

    /// <summary>Types: 1–254 characters, none of <c>: # @ *</c> or whitespace.</summary>
    public static bool IsValidType(string? type)
    {
        if (string.IsNullOrEmpty(type) || type.Length > MaxTypeLength)
        {
            return false;
        }

        foreach (var c in type)
        {
            if (c is ':' or '#' or '@' or '*' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Relations: 1–50 characters, none of <c>: # @ *</c> or whitespace.</summary>
    public static bool IsValidRelation(string? relation) =>
        !string.IsNullOrEmpty(relation) && relation.Length <= MaxRelationLength && IsValidType(relation);

    /// <summary>Ids: non-empty, no whitespace, control characters or <c>#</c>.</summary>
    public static bool IsValidId(string? id)
    {
        if (string.IsNullOrEmpty(id))
        {
            return false;
        }

        foreach (var c in id)
        {
            if (c == '#' || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }
}
