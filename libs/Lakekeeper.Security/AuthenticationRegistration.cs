using Lakekeeper.Security.Audit;
using Lakekeeper.Security.Authentication;
using Lakekeeper.Security.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Lakekeeper.Security;

public static class AuthenticationRegistration
{
    /// <summary>
    /// Authentication of API callers from Lakekeeper's settings (OpenID providers, Kubernetes
    /// service accounts), the caller policy (<see cref="RequireCaller{TBuilder}"/>; also the
    /// fallback of every endpoint that says nothing), user registration, roles and the audit log.
    /// With no provider configured every caller is anonymous (said at start). Safe to call from
    /// several modules of one host.
    /// </summary>
    public static IHostApplicationBuilder AddLakekeeperAuthentication(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(AuthenticationSettings)))
        {
            return builder;
        }

        var settings = AuthenticationSettings.Read(builder.Configuration);
        services.AddSingleton(settings);
        services.AddSingleton<IValidateOptions<AuthenticationSettingsValidation.Marker>, AuthenticationSettingsValidation>();
        services.AddOptions<AuthenticationSettingsValidation.Marker>().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpContextAccessor();

        var authentication = services.AddAuthentication(options =>
        {
            options.DefaultScheme = BearerRouter.SchemeName;
            options.DefaultChallengeScheme = BearerRouter.SchemeName;
            options.DefaultForbidScheme = BearerRouter.SchemeName;
        });
        authentication.AddScheme<AuthenticationSchemeOptions, BearerRouter>(BearerRouter.SchemeName, null);
        foreach (var provider in settings.Errors.Count == 0 ? settings.Providers : [])
        {
            authentication.AddJwtBearer(OidcBearerSetup.SchemeOf(provider.Id), options => OidcBearerSetup.Configure(options, provider, settings));
        }

        if (settings.Kubernetes is not null && settings.Errors.Count == 0)
        {
            services.AddSingleton<KubernetesTokenReviewClient>();
            authentication.AddScheme<AuthenticationSchemeOptions, KubernetesTokenReviewHandler>(KubernetesTokenReviewHandler.SchemeName, null);
        }

        services.AddSingleton<IssuerDirectory>();
        services.AddSingleton<ValidatedTokenCache>();
        services.AddAuthorization(options =>
        {
            var policy = new AuthorizationPolicyBuilder().AddRequirements(new CallerRequirement()).Build();
            options.AddPolicy(CallerRequirement.PolicyName, policy);
            options.FallbackPolicy = policy;
        });
        services.AddSingleton<IAuthorizationHandler, CallerAuthorizationHandler>();
        services.Replace(ServiceDescriptor.Singleton<Microsoft.AspNetCore.Authorization.IAuthorizationMiddlewareResultHandler, CallerResultHandler>());
        services.AddSingleton<ICallerAccessor, CallerAccessor>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<UserRegistrar>();
        services.AddSingleton<RoleService>();
        services.AddSingleton<UserService>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, AuthenticationStartup>());
        return builder;
    }

    /// <summary>Authentication and the caller policy in the request pipeline; call after <c>UseServiceDefaults</c>.</summary>
    public static IApplicationBuilder UseLakekeeperAuthentication(this IApplicationBuilder app)
    {
        app.UseAuthentication();
        app.UseAuthorization();
        return app;
    }

    /// <summary>The endpoints need the caller policy: a valid token when a provider is configured.</summary>
    public static TBuilder RequireCaller<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(CallerRequirement.PolicyName);
}
