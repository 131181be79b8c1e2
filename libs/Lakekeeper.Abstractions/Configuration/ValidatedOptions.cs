using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Abstractions.Configuration;

public static class ValidatedOptionsRegistration
{
    /// <summary>
    /// Binds <typeparamref name="TOptions"/> to a configuration section and validates it when the host
    /// starts (data annotations and <see cref="IValidatableObject"/>). Failures name the environment
    /// variable to set, e.g. <c>LAKEKEEPER__DATABASE__CONNECTIONSTRING is required.</c> An empty
    /// <paramref name="section"/> binds keys at the root (named with <see cref="ConfigurationKeyNameAttribute"/>,
    /// e.g. <c>METRICS_PORT</c> for <c>LAKEKEEPER__METRICS_PORT</c>).
    /// </summary>
    public static OptionsBuilder<TOptions> AddValidatedOptions<TOptions>(
        this IServiceCollection services, IConfiguration configuration, string section)
        where TOptions : class
    {
        services.AddSingleton<IValidateOptions<TOptions>>(new EnvironmentNamingValidator<TOptions>(section));
        return services.AddOptions<TOptions>()
            .Bind(section.Length == 0 ? configuration : configuration.GetSection(section))
            .ValidateOnStart();
    }

    private sealed class EnvironmentNamingValidator<TOptions>(string section) : IValidateOptions<TOptions>
        where TOptions : class
    {
        public ValidateOptionsResult Validate(string? name, TOptions options)
        {
            // Attributes of every property, then the object's own checks, so that an operator sees every
            // problem at once (Validator.TryValidateObject skips IValidatableObject once an attribute fails).
            var results = new List<ValidationResult>();
            foreach (var property in typeof(TOptions).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
            {
                if (property.CanRead && property.GetIndexParameters().Length == 0)
                {
                    Validator.TryValidateProperty(property.GetValue(options), new ValidationContext(options) { MemberName = property.Name }, results);
                }
            }

            if (options is IValidatableObject validatable)
            {
                results.AddRange(validatable.Validate(new ValidationContext(options)).Where(r => r != ValidationResult.Success));
            }

            if (results.Count == 0)
            {
                return ValidateOptionsResult.Success;
            }

            var failures = results.Select(Describe).ToList();
            return ValidateOptionsResult.Fail(failures);
        }

        private string Describe(ValidationResult result)
        {
            var member = result.MemberNames.FirstOrDefault();
            if (member is null)
            {
                return result.ErrorMessage ?? "invalid setting";
            }

            var key = typeof(TOptions).GetProperty(member)?.GetCustomAttributes(typeof(ConfigurationKeyNameAttribute), inherit: false)
                .OfType<ConfigurationKeyNameAttribute>().FirstOrDefault()?.Name ?? member;
            var variable = section.Length == 0 ? SettingNames.ToVariable(key) : SettingNames.ToVariable(section, key);
            var message = result.ErrorMessage ?? "is invalid";
            // Data annotations say "The X field is required." or "The field X must be …"; say it with the variable.
            const string fieldPrefix = "The field ";
            if (message.StartsWith(fieldPrefix, StringComparison.Ordinal) && message.IndexOf(' ', fieldPrefix.Length) is var end and > 0)
            {
                return $"{variable} {message[(end + 1)..]}";
            }

            if (message.StartsWith("The ", StringComparison.Ordinal) && message.Contains(" field ", StringComparison.Ordinal))
            {
                var rest = message[(message.IndexOf(" field ", StringComparison.Ordinal) + " field ".Length)..];
                return $"{variable} {rest}";
            }

            return $"{variable}: {message}";
        }
    }
}
