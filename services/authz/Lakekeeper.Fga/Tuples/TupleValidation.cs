using Lakekeeper.Fga.Model;

namespace Lakekeeper.Fga;

/// <summary>Checks tuples and questions against a model, with OpenFGA's error codes and wording.</summary>
public static class TupleValidation
{
    /// <summary>Most contextual tuples one question may carry (OpenFGA's limit).</summary>
    public const int MaxContextualTuples = 100;

    /// <summary>Parses <c>{user, relation, object}</c>; a malformed part is <c>invalid_tuple</c>.</summary>
    public static FgaTuple Parse(string? user, string? relation, string? obj)
    {
        var key = $"{obj}#{relation}@{user}";
        if (!FgaObject.TryParse(obj, out var parsedObject))
        {
            throw new FgaException(FgaErrorCodes.InvalidTuple, $"Invalid tuple '{key}'. Reason: invalid 'object' field format");
        }

        if (!TupleLimits.IsValidRelation(relation))
        {
            throw new FgaException(FgaErrorCodes.InvalidTuple, $"Invalid tuple '{key}'. Reason: invalid 'relation' field format");
        }

        if (!FgaUser.TryParse(user, out var parsedUser, out var reason))
        {
            throw new FgaException(FgaErrorCodes.InvalidTuple, $"Invalid tuple '{key}'. Reason: invalid 'user' field format ({reason})");
        }

        return new FgaTuple(parsedObject, relation!, parsedUser);
    }

    /// <summary>A tuple that may be stored: the relation is directly assignable and allows this kind of user.</summary>
    public static void ValidateForWrite(AuthorizationModel model, in FgaTuple tuple)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Types.TryGetValue(tuple.Object.Type, out var type))
        {
            throw InvalidTuple(tuple, $"type '{tuple.Object.Type}' not found");
        }

        if (!type.Relations.TryGetValue(tuple.Relation, out var relation))
        {
            throw InvalidTuple(tuple, $"relation '{tuple.Object.Type}#{tuple.Relation}' not found");
        }

        ValidateUserType(model, tuple, tuple.User);
        if (!relation.Allows(tuple.User))
        {
            var what = tuple.User.IsWildcard ? $"the typed wildcard '{tuple.User}'" : $"type '{DirectType.KeyOf(tuple.User)}'";
            throw InvalidTuple(tuple, $"{what} is not an allowed type restriction for '{tuple.Object.Type}#{tuple.Relation}'");
        }
    }

    /// <summary>A question's object, relation and user must exist in the model.</summary>
    public static void ValidateQuery(AuthorizationModel model, FgaObject obj, string relation, FgaUser user)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Types.TryGetValue(obj.Type, out var type))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"type '{obj.Type}' not found");
        }

        if (!type.Relations.ContainsKey(relation))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"relation '{obj.Type}#{relation}' not found");
        }

        ValidateUser(model, user);
    }

    /// <summary>The user's type (and a userset's relation) must exist in the model.</summary>
    public static void ValidateUser(AuthorizationModel model, FgaUser user)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!model.Types.TryGetValue(user.Type, out var userType))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"type '{user.Type}' not found");
        }

        if (user.IsUserset && !userType.Relations.ContainsKey(user.Relation))
        {
            throw new FgaException(FgaErrorCodes.ValidationError, $"relation '{user.Type}#{user.Relation}' not found");
        }
    }

    /// <summary>Contextual tuples: at most 100, each valid for writing, no duplicates.</summary>
    public static IReadOnlyList<FgaTuple> ValidateContextual(AuthorizationModel model, IReadOnlyList<FgaTuple> tuples)
    {
        ArgumentNullException.ThrowIfNull(tuples);
        if (tuples.Count > MaxContextualTuples)
        {
            throw new FgaException(FgaErrorCodes.ExceededEntityLimit, $"at most {MaxContextualTuples} contextual tuples are allowed, not {tuples.Count}");
        }

        var seen = new HashSet<FgaTuple>();
        foreach (var tuple in tuples)
        {
            ValidateForWrite(model, tuple);
            if (!seen.Add(tuple))
            {
                throw new FgaException(FgaErrorCodes.DuplicateContextualTuple, $"duplicate contextual tuple in request: '{tuple}'");
            }
        }

        return tuples;
    }

    private static void ValidateUserType(AuthorizationModel model, in FgaTuple tuple, FgaUser user)
    {
        if (!model.Types.TryGetValue(user.Type, out var userType))
        {
            throw InvalidTuple(tuple, $"type '{user.Type}' not found");
        }

        if (user.IsUserset && !userType.Relations.ContainsKey(user.Relation))
        {
            throw InvalidTuple(tuple, $"relation '{user.Type}#{user.Relation}' not found");
        }
    }

    private static FgaException InvalidTuple(in FgaTuple tuple, string reason) =>
        new(FgaErrorCodes.ValidationError, $"Invalid tuple '{tuple}'. Reason: {reason}");
}
