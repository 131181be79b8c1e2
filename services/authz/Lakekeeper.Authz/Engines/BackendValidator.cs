using Lakekeeper.Abstractions.Configuration;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Authz.Engines;

/// <summary>In a process that runs an engine, <c>LAKEKEEPER__AUTHZ__BACKEND</c> must name one this build has.</summary>
internal sealed class BackendValidator : IValidateOptions<AuthzOptions>
{
    public ValidateOptionsResult Validate(string? name, AuthzOptions options)
    {
        if (AuthzBackends.IsAvailable(options.Backend))
        {
            return ValidateOptionsResult.Success;
        }

        var why = AuthzBackends.IsPlanned(options.Backend) ? "is not available in this build yet" : "is not a known backend";
        return ValidateOptionsResult.Fail(
            $"{SettingNames.ToVariable(AuthzOptions.Section, nameof(AuthzOptions.Backend))}: '{options.Backend}' {why}; "
            + $"use one of: {string.Join(", ", AuthzBackends.Available)}");
    }
}
