using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using NATS.NKeys;

namespace Lakekeeper.Events.Tests.Support;

/// <summary>
/// A NATS operator for nats-server's decentralised JWT mode, made in the test: nkeys from
/// <c>NATS.NKeys</c> (the NATS client's own nkeys library), and the operator, account and user JWTs
/// signed with them. No NATS JWT library is published on the NuGet feed here (<c>NATS.Jwt</c> is
/// absent) and <c>nsc</c> is not packaged by Debian or npm, so the claims are written here, in the
/// v2 format nats-server checks (header <c>ed25519-nkey</c>, the issuer's Ed25519 signature over
/// <c>header.claims</c>). The server is the judge: it accepts a user only if the chain of
/// signatures leads to this operator.
/// </summary>
internal sealed class NatsOperator : IDisposable
{
    private readonly KeyPair _operator = KeyPair.CreatePair(PrefixByte.Operator);
    private readonly KeyPair _system = KeyPair.CreatePair(PrefixByte.Account);
    private readonly List<(string PublicKey, string Jwt)> _accounts = [];

    public NatsOperator(string name)
    {
        OperatorJwt = Sign(_operator, _operator.GetPublicKey(), name, new JsonObject { ["type"] = "operator", ["version"] = 2 });
        SystemAccountJwt = Sign(_operator, _system.GetPublicKey(), "SYS", Account(jetStream: false));
    }

    public string OperatorJwt { get; }

    public string SystemAccountJwt { get; }

    /// <summary>A new account of this operator with JetStream enabled, known to the server once <see cref="ServerConfig"/> is written.</summary>
    public KeyPair CreateAccount(string name)
    {
        var account = KeyPair.CreatePair(PrefixByte.Account);
        _accounts.Add((account.GetPublicKey(), Sign(_operator, account.GetPublicKey(), name, Account(jetStream: true))));
        return account;
    }

    /// <summary>A <c>.creds</c> file's text (user JWT and nkey seed) for a new user of <paramref name="account"/>.</summary>
    public static (string Creds, string Seed, string Jwt) CreateUser(KeyPair account, string name)
    {
        using var user = KeyPair.CreatePair(PrefixByte.User);
        var jwt = Sign(account, user.GetPublicKey(), name, new JsonObject
        {
            ["pub"] = new JsonObject(),
            ["sub"] = new JsonObject(),
            ["subs"] = -1,
            ["data"] = -1,
            ["payload"] = -1,
            ["type"] = "user",
            ["version"] = 2,
        });
        var seed = user.GetSeed();
        var creds = $"""
            -----BEGIN NATS USER JWT-----
            {jwt}
            ------END NATS USER JWT------

            ************************* IMPORTANT *************************
            NKEY Seed printed below can be used to sign and prove identity.
            NKEYs are sensitive and should be treated as secrets.

            -----BEGIN USER NKEY SEED-----
            {seed}
            ------END USER NKEY SEED------

            *************************************************************

            """;
        return (creds, seed, jwt);
    }

    /// <summary>The server configuration of JWT mode: this operator, its system account, and every account made so far preloaded in a memory resolver.</summary>
    public string ServerConfig()
    {
        var config = new StringBuilder();
        config.AppendLine(CultureInfo.InvariantCulture, $"operator: \"{OperatorJwt}\"");
        config.AppendLine(CultureInfo.InvariantCulture, $"system_account: \"{_system.GetPublicKey()}\"");
        config.AppendLine("resolver: MEMORY");
        config.AppendLine("resolver_preload: {");
        config.AppendLine(CultureInfo.InvariantCulture, $"  \"{_system.GetPublicKey()}\": \"{SystemAccountJwt}\"");
        foreach (var (publicKey, jwt) in _accounts)
        {
            config.AppendLine(CultureInfo.InvariantCulture, $"  \"{publicKey}\": \"{jwt}\"");
        }

        config.AppendLine("}");
        return config.ToString();
    }

    public void Dispose()
    {
        _operator.Dispose();
        _system.Dispose();
    }

    private static JsonObject Account(bool jetStream)
    {
        var limits = new JsonObject
        {
            ["subs"] = -1,
            ["data"] = -1,
            ["payload"] = -1,
            ["imports"] = -1,
            ["exports"] = -1,
            ["wildcards"] = true,
            ["conn"] = -1,
            ["leaf"] = -1,
        };
        if (jetStream)
        {
            limits["mem_storage"] = -1;
            limits["disk_storage"] = -1;
            limits["streams"] = -1;
            limits["consumer"] = -1;
        }

        return new JsonObject
        {
            ["limits"] = limits,
            ["default_permissions"] = new JsonObject { ["pub"] = new JsonObject(), ["sub"] = new JsonObject() },
            ["type"] = "account",
            ["version"] = 2,
        };
    }

    /// <summary>A JWT of <paramref name="subject"/> issued and signed by <paramref name="issuer"/>.</summary>
    private static string Sign(KeyPair issuer, string subject, string name, JsonObject nats)
    {
        var claims = new JsonObject
        {
            ["jti"] = string.Empty,
            ["iat"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(),
            ["iss"] = issuer.GetPublicKey(),
            ["name"] = name,
            ["sub"] = subject,
            ["nats"] = nats,
        };

        // The id is the hash of the claims without it (base32, as nats' own tools make it).
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var id = new char[Base32.GetEncodedLength(hash)];
        Base32.ToBase32(hash, id);
        claims["jti"] = new string(id).TrimEnd('=');

        var signed = Base64Url("""{"typ":"JWT","alg":"ed25519-nkey"}"""u8) + "." + Base64Url(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        var signature = new byte[64];
        issuer.Sign(Encoding.ASCII.GetBytes(signed), signature);
        return signed + "." + Base64Url(signature);
    }

    private static string Base64Url(ReadOnlySpan<byte> bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
