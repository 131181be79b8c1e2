using System.Text.Json;
using Lakekeeper.Abstractions.Errors;
using Lakekeeper.Security.Authentication;
using Lakekeeper.ServiceDefaults.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Lakekeeper.Management.WebConsole;

/// <summary>
/// The web console: <c>/</c> and <c>/ui</c> redirect to <c>/ui/</c>; <c>/ui/config.json</c> tells the
/// console how to log in; every other <c>/ui/…</c> path is a built file or, for the console's own
/// routes, <c>index.html</c>. Every answer carries the security headers (docs/console.md).
/// </summary>
internal static class ConsoleEndpoints
{
    public const string Base = "/ui";
    private const string ImmutableCache = "public, max-age=31536000, immutable";

    public static IEndpointRouteBuilder MapConsole(this IEndpointRouteBuilder endpoints)
    {
        if (!endpoints.ServiceProvider.GetRequiredService<IOptions<ConsoleOptions>>().Value.Enabled)
        {
            return endpoints;
        }

        string[] methods = [HttpMethods.Get, HttpMethods.Head];
        endpoints.MapMethods("/", methods, (HttpContext context) => Redirect(context)).AllowAnonymous().ExcludeFromDescription();
        // Routing matches "/ui/" here too (a trailing slash is ignored): only the bare "/ui" redirects.
        endpoints.MapMethods(Base, methods, (HttpContext context, ConsoleAssets assets, IOptions<ConsoleOptions> options, AuthenticationSettings authentication) =>
            context.Request.Path.Value?.EndsWith('/') == true ? Serve(context, assets, options, authentication, null) : Redirect(context))
            .AllowAnonymous().ExcludeFromDescription();
        endpoints.MapMethods(Base + "/config.json", methods, Config).AllowAnonymous().ExcludeFromDescription();
        endpoints.MapMethods(Base + "/{**path}", methods, Serve).AllowAnonymous().ExcludeFromDescription();
        return endpoints;
    }

    private static IResult Redirect(HttpContext context)
    {
        SecurityHeaders(context, null);
        return TypedResults.Redirect(context.Request.PathBase + Base + "/");
    }

    /// <summary>What the console needs before its first API call: whether and how to log in.</summary>
    private static IResult Config(HttpContext context, IOptions<ConsoleOptions> options, AuthenticationSettings authentication, ServiceIdentity identity)
    {
        var ui = options.Value;
        var provider = ProviderOf(ui, authentication);
        SecurityHeaders(context, provider);
        context.Response.Headers.CacheControl = "no-store";
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("version", identity.Version);
            w.WriteString("base-path", context.Request.PathBase + Base);
            w.WriteBoolean("authentication-required", authentication.Enabled);
            w.WriteStartObject("openid");
            Optional(w, "provider-uri", provider?.AbsoluteUri.TrimEnd('/'));
            Optional(w, "client-id", ui.OpenIdClientId);
            w.WriteString("scope", ui.OpenIdScope);
            w.WriteString("redirect-path", ui.OpenIdRedirectPath);
            w.WriteString("post-logout-redirect-path", ui.OpenIdPostLogoutRedirectPath);
            Optional(w, "resource", ui.OpenIdResource);
            w.WriteEndObject();
            w.WriteEndObject();
        }

        return TypedResults.Bytes(buffer.ToArray(), "application/json");
    }

    private static IResult Serve(HttpContext context, ConsoleAssets assets, IOptions<ConsoleOptions> options, AuthenticationSettings authentication, string? path)
    {
        SecurityHeaders(context, ProviderOf(options.Value, authentication));
        var files = assets.Files;
        if (files is null)
        {
            return new ErrorResponse(404, "NotFoundException",
                $"The console is not built: no index.html in {assets.Folder}. Build it with `npm ci && npm run build` in console/ (./lakekeeper up does), or set LAKEKEEPER__UI__ASSETS_PATH.").ToResult();
        }

        path ??= "";
        if (!files.TryGetValue(path, out var asset))
        {
            // A console route (/ui/warehouses/…) is the app; a missing file (a name with an extension) is not.
            var last = path[(path.LastIndexOf('/') + 1)..];
            if (last.Contains('.', StringComparison.Ordinal) || path.StartsWith("assets/", StringComparison.Ordinal))
            {
                return new ErrorResponse(404, "NotFoundException", "No such console file: " + path).ToResult();
            }

            asset = files["index.html"];
        }

        return new AssetResult(asset);
    }

    private static Uri? ProviderOf(ConsoleOptions ui, AuthenticationSettings authentication) =>
        ui.OpenIdProviderUri ?? authentication.Providers.FirstOrDefault(p => p.Id == AuthenticationSettings.PrimaryProviderId)?.Uri;

    private static void Optional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    /// <summary>
    /// A strict policy: scripts, styles and everything else only from this origin, no inline code, no
    /// framing; the browser may call the identity provider (discovery, token and refresh) and nothing else.
    /// </summary>
    internal static void SecurityHeaders(HttpContext context, Uri? provider)
    {
        var idp = provider is null ? "" : " " + provider.GetLeftPart(UriPartial.Authority);
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy =
            "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; " +
            $"connect-src 'self'{idp}; manifest-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'; object-src 'none'";
        headers.XFrameOptions = "DENY";
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
    }

    /// <summary>A file: the compressed form the client accepts, its entity tag, 304 when the client has it.</summary>
    private sealed class AssetResult(ConsoleAsset asset) : IResult
    {
        public Task ExecuteAsync(HttpContext context)
        {
            var request = context.Request;
            var response = context.Response;
            var (body, encoding) = Choose(request.Headers.AcceptEncoding.ToString());
            var etag = encoding is null ? asset.ETag : asset.ETag.Insert(asset.ETag.Length - 1, "-" + encoding);
            response.Headers.ETag = etag;
            response.Headers.CacheControl = asset.Immutable ? ImmutableCache : "no-cache";
            if (asset.Brotli is not null || asset.Gzip is not null)
            {
                response.Headers.Vary = HeaderNames.AcceptEncoding;
            }

            response.ContentType = asset.ContentType;
            if (Matches(request.Headers.IfNoneMatch.ToString(), etag))
            {
                response.StatusCode = StatusCodes.Status304NotModified;
                return Task.CompletedTask;
            }

            if (encoding is not null)
            {
                response.Headers.ContentEncoding = encoding;
            }

            response.ContentLength = body.Length;
            return HttpMethods.IsHead(request.Method) ? Task.CompletedTask : response.Body.WriteAsync(body, context.RequestAborted).AsTask();
        }

        private (byte[] Body, string? Encoding) Choose(string accept)
        {
            if (asset.Brotli is { } br && Accepts(accept, "br"))
            {
                return (br, "br");
            }

            return asset.Gzip is { } gz && Accepts(accept, "gzip") ? (gz, "gzip") : (asset.Identity, null);
        }

        private static bool Accepts(string accept, string coding)
        {
            foreach (var part in accept.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                var pieces = part.Split(';', StringSplitOptions.TrimEntries);
                if (!pieces[0].Equals(coding, StringComparison.OrdinalIgnoreCase))
                {
                    continue;
                }

                // "q=0" refuses the coding; any other weight (or none) accepts it.
                var weight = pieces.Skip(1).FirstOrDefault(p => p.StartsWith("q=", StringComparison.OrdinalIgnoreCase));
                return weight is null || !double.TryParse(weight[2..], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var q) || q > 0;
            }

            return false;
        }

        private static bool Matches(string ifNoneMatch, string etag)
        {
            if (ifNoneMatch.Length == 0)
            {
                return false;
            }

            foreach (var tag in ifNoneMatch.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                // Weak comparison, as RFC 9110 prescribes for If-None-Match.
                if (tag == "*" || (tag.StartsWith("W/", StringComparison.Ordinal) ? tag[2..] : tag) == etag)
                {
                    return true;
                }
            }

            return false;
        }
    }
}
