using Lakekeeper.Deploy.Tests.Infrastructure;

namespace Lakekeeper.Deploy.Tests;

/// <summary>
/// Bad values stop an install before anything is applied, with a message that names the value:
/// values.schema.json for types and ranges, the chart's own checks (templates/_helpers.tpl,
/// "lakekeeper.validateValues") for rules across values. The files are in BadValues/.
/// </summary>
public sealed class ChartValuesValidationTests
{
    public static TheoryData<string, string[]> BadFiles => new()
    {
        { "wrong-topology.yaml", ["topology", "microservices", "standalone"] },
        { "negative-replicas.yaml", ["catalog", "replicaCount"] },
        { "missing-database.yaml", ["externalDatabase", "host"] },
        { "connection-string-without-secret.yaml", ["externalDatabase", "existingSecret"] },
        { "unknown-authz-backend.yaml", ["authz", "backend", "openfga"] },
        { "port-out-of-range.yaml", ["catalog", "port"] },
        { "misspelt-key.yaml", ["replicas"] },
        { "openfga-without-endpoint.yaml", ["authz.openfga.endpoint is required with authz.backend=openfga"] },
        { "password-and-existing-secret.yaml", ["externalDatabase.password and externalDatabase.existingSecret are both set"] },
        { "secret-in-config-env.yaml", ["config.env.LAKEKEEPER__SECRETS__ENCRYPTIONKEY", "secretKeyRef"] },
        { "kafka-password-in-config.yaml", ["events.kafka.config.sasl.password", "events.kafka.secretConfig"] },
    };

    [Theory]
    [MemberData(nameof(BadFiles))]
    public async Task A_bad_values_file_stops_the_render_with_a_message_naming_the_value(string file, string[] mentions)
    {
        var renderer = ChartRenderer.Require();

        var result = await renderer.TemplateAsync(RenderRequest.For(Repository.BadValues(file)));

        Assert.False(result.Succeeded, $"{file} rendered: {renderer.Description} accepted it");
        Assert.DoesNotContain("kind: Deployment", result.Stdout);
        foreach (var mention in mentions)
        {
            Assert.True(result.Stderr.Contains(mention, StringComparison.Ordinal), $"{renderer.Description}: the message for {file} does not mention '{mention}':\n{result.Stderr}");
        }

        Assert.DoesNotContain("hunter2", result.Stderr);
        Assert.DoesNotContain("c2VjcmV0LWtleQ==", result.Stderr);
    }

    [Fact]
    public async Task Installing_with_no_values_asks_for_the_database_host()
    {
        var renderer = ChartRenderer.Require();

        var result = await renderer.TemplateAsync(RenderRequest.For());

        Assert.False(result.Succeeded);
        Assert.Contains("host", result.Stderr);
        Assert.Contains("externalDatabase", result.Stderr);
    }

    [Fact]
    public async Task The_same_checks_hold_for_values_given_with_set()
    {
        var renderer = ChartRenderer.Require();
        var good = RenderRequest.For(ChartMatrix.PathOf(ChartMatrix.Defaults));

        var negative = await renderer.TemplateAsync(good.With("gateway.replicaCount=-2"));
        var zero = await renderer.TemplateAsync(good.With("gateway.replicaCount=0"));

        Assert.False(negative.Succeeded);
        Assert.Contains("gateway", negative.Stderr);
        Assert.True(zero.Succeeded, zero.Explain());
        Assert.Equal("0", zero.Manifests().ForComponent("Deployment", "gateway")!.Str("spec", "replicas"));
    }
}
