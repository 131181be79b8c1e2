using Lakekeeper.Deploy.Tests.Infrastructure;
using YamlDotNet.RepresentationModel;

namespace Lakekeeper.Deploy.Tests;

/// <summary>
/// What must hold for every values file of the matrix (deploy/helm/lakekeeper/ci/*.yaml), checked on
/// the manifests `helm template` (or helm-render, see ChartRenderer) produces.
/// </summary>
public sealed class ChartMatrixTests
{
    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task The_chart_renders_without_errors(string file)
    {
        var result = await ChartMatrix.RenderAsync(RenderRequest.For(ChartMatrix.PathOf(file)));

        Assert.True(result.Succeeded, result.Explain());
        Assert.NotEmpty(result.Manifests().All);
        if (result.Renderer.IsHelm)
        {
            var (exitCode, output) = await result.Renderer.LintAsync([ChartMatrix.PathOf(file)]);
            Assert.True(exitCode == 0, "helm lint --strict: " + output);
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Every_service_of_the_topology_has_its_deployment_service_account_settings_and_disruption_budget(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var components = ChartMatrix.Components(file);

        Assert.Equal(components.Order(StringComparer.Ordinal), manifests.DeploymentComponents());
        foreach (var component in components)
        {
            var deployment = manifests.ForComponent("Deployment", component) ?? throw new Xunit.Sdk.XunitException("no Deployment for " + component);
            var selector = deployment.StrMap("spec", "selector", "matchLabels");
            var pod = PodSpec.Of(deployment);
            Assert.True(Manifests.LabelsMatch(selector, pod.Labels), $"{component}: the Deployment's selector does not match its pods");
            Assert.Equal(component, pod.Labels[Manifests.ComponentLabel]);

            var services = manifests.OfKind("Service").Where(s => Manifests.LabelsMatch(s.StrMap("spec", "selector"), pod.Labels)).ToList();
            var service = Assert.Single(services, s => s.Str("spec", "clusterIP") != "None");
            Assert.Contains(service.Seq("spec", "ports"), p => p.Str("name") == "http" && p.Str("targetPort") == "http");
            // The authz service also has a headless one (its gRPC port only) for clients that balance over its pods.
            var headless = services.Where(s => s.Str("spec", "clusterIP") == "None").ToList();
            Assert.Equal(component == "authz" ? 1 : 0, headless.Count);
            Assert.All(headless, h => Assert.Equal(["grpc"], h.Seq("spec", "ports").Select(p => p.Str("targetPort"))));

            var account = pod.Spec.Str("serviceAccountName");
            Assert.False(string.IsNullOrEmpty(account), component + " names no service account");
            if (ChartMatrix.Values(file).Str(component, "serviceAccount", "create") != "false")
            {
                Assert.NotNull(manifests.Find("ServiceAccount", account!));
            }

            foreach (var configMap in pod.ConfigMapReferences())
            {
                Assert.NotNull(manifests.Find("ConfigMap", configMap));
            }

            var budget = Assert.Single(manifests.OfKind("PodDisruptionBudget"), p => Manifests.LabelsMatch(p.StrMap("spec", "selector", "matchLabels"), pod.Labels));
            Assert.True(budget.At("spec", "maxUnavailable") is not null ^ budget.At("spec", "minAvailable") is not null, component + ": a PDB sets exactly one of minAvailable and maxUnavailable");

            foreach (var spread in pod.Spec.Seq("topologySpreadConstraints"))
            {
                Assert.True(Manifests.LabelsMatch(spread.StrMap("labelSelector", "matchLabels"), pod.Labels), $"{component}: a topology spread constraint counts other pods");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Every_service_container_has_startup_liveness_and_readiness_probes_on_the_health_endpoints(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);

        foreach (var deployment in manifests.OfKind("Deployment"))
        {
            var container = Assert.Single(PodSpec.Of(deployment).Containers);
            var ports = container.Seq("ports").Select(p => p.Str("name")).ToHashSet();
            foreach (var (probe, path) in new[] { ("startupProbe", "/health/live"), ("livenessProbe", "/health/live"), ("readinessProbe", "/health/ready") })
            {
                var name = deployment.Str("metadata", "name");
                Assert.True(container.Str(probe, "httpGet", "path") == path, $"{name}: {probe} is not GET {path}");
                Assert.True(ports.Contains(container.Str(probe, "httpGet", "port")), $"{name}: {probe} names a port the container does not have");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Every_pod_runs_as_non_root_with_a_read_only_root_no_capabilities_and_the_default_seccomp_profile(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var workloads = manifests.OfKind("Deployment").Concat(manifests.OfKind("Job")).Concat(manifests.OfKind("Pod")).ToList();

        Assert.NotEmpty(workloads);
        foreach (var workload in workloads)
        {
            var name = $"{workload.Str("kind")} {workload.Str("metadata", "name")}";
            var pod = PodSpec.Of(workload);
            Assert.True(pod.Spec.Str("securityContext", "runAsNonRoot") == "true", name + ": pod not runAsNonRoot");
            Assert.True(pod.Spec.Str("automountServiceAccountToken") is "false" or "true", name + ": automountServiceAccountToken not decided");
            foreach (var container in pod.AllContainers)
            {
                var where = $"{name}/{container.Str("name")}";
                var security = container.At("securityContext");
                Assert.True(security.Str("runAsNonRoot") == "true", where + ": not runAsNonRoot");
                Assert.NotEqual("0", security.Str("runAsUser"));
                Assert.True(security.Str("readOnlyRootFilesystem") == "true", where + ": root filesystem writable");
                Assert.True(security.Str("allowPrivilegeEscalation") == "false", where + ": privilege escalation allowed");
                Assert.True(security.Seq("capabilities", "drop").Any(c => c.Str() == "ALL"), where + ": capabilities not dropped");
                Assert.True((security.Str("seccompProfile", "type") ?? pod.Spec.Str("securityContext", "seccompProfile", "type")) == "RuntimeDefault", where + ": seccomp profile is not RuntimeDefault");
                Assert.Null(container.Seq("ports").FirstOrDefault(p => p.Str("hostPort") is not null));
            }

            foreach (var container in pod.Containers.Where(_ => workload.Str("kind") != "Pod"))
            {
                // .NET writes to /tmp (diagnostics, temp files): it must be a volume when the root is read-only.
                var tmp = container.Seq("volumeMounts").FirstOrDefault(m => m.Str("mountPath") == "/tmp");
                Assert.True(tmp is not null, name + ": no writable /tmp");
                Assert.Contains(pod.Spec.Seq("volumes"), v => v.Str("name") == tmp.Str("name") && v.At("emptyDir") is not null);
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task The_migration_runs_as_a_pre_install_and_pre_upgrade_hook_that_needs_nothing_the_release_creates_later(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var values = ChartMatrix.Values(file);

        var job = Assert.Single(manifests.OfKind("Job"));
        var hooks = (job.Str("metadata", "annotations", "helm.sh/hook") ?? "").Split(',');
        Assert.Contains("pre-install", hooks);
        Assert.Contains("pre-upgrade", hooks);
        Assert.NotNull(job.Str("spec", "backoffLimit"));
        Assert.NotNull(job.Str("spec", "activeDeadlineSeconds"));

        var pod = PodSpec.Of(job);
        var container = Assert.Single(pod.Containers);
        var args = container.Seq("args").Select(a => a.Str()).ToList();
        Assert.Equal("migrate", args[^1]);
        Assert.Contains(args[0], EntrypointScript.Services());
        Assert.NotNull(container.At("resources", "requests"));
        Assert.NotNull(container.At("resources", "limits"));
        Assert.Contains("LAKEKEEPER__DATABASE__CONNECTIONSTRING", PodSpec.Env(container).Keys);

        // Before install, only hooks of a lower weight and the operator's own Secrets exist.
        Assert.Empty(pod.ConfigMapReferences());
        var account = pod.Spec.Str("serviceAccountName");
        Assert.True(account is null || manifests.Find("ServiceAccount", account) is null, "the job runs as a service account the release creates after it");
        var jobWeight = int.Parse(job.Str("metadata", "annotations", "helm.sh/hook-weight") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var (secret, key) in pod.SecretReferences())
        {
            if (manifests.Find("Secret", secret) is { } rendered)
            {
                var secretHooks = (rendered.Str("metadata", "annotations", "helm.sh/hook") ?? "").Split(',');
                Assert.True(secretHooks.Contains("pre-install") && secretHooks.Contains("pre-upgrade"), $"the job reads Secret {secret}, which is created after pre-install hooks");
                Assert.True(int.Parse(rendered.Str("metadata", "annotations", "helm.sh/hook-weight") ?? "0", System.Globalization.CultureInfo.InvariantCulture) < jobWeight, $"Secret {secret} is not created before the job");
                Assert.Contains(key, rendered.Keys("data"));
            }
            else
            {
                Assert.True(IsNamedInValues(values, secret), $"the job reads Secret {secret}, which neither the chart nor the values name");
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task No_secret_value_appears_in_a_config_map_or_a_plain_env_value(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var secrets = manifests.SecretEntries().Select(e => e.Value)
            .Concat(ChartMatrix.Values(file).InlineSecrets())
            .Where(v => v.Length >= 8)
            .ToHashSet(StringComparer.Ordinal);

        foreach (var (configMap, key, value) in manifests.ConfigMapEntries())
        {
            Assert.False(ChartMatrix.LooksSecret(key), $"ConfigMap {configMap} holds {key}, a secret setting");
            foreach (var secret in secrets)
            {
                Assert.False(value.Contains(secret, StringComparison.Ordinal), $"ConfigMap {configMap} key {key} contains a secret value");
            }
        }

        foreach (var workload in manifests.All.Where(d => d.Str("kind") is "Deployment" or "Job" or "Pod"))
        {
            foreach (var container in PodSpec.Of(workload).AllContainers)
            {
                foreach (var env in container.Seq("env").Where(e => e.At("value") is not null))
                {
                    var name = env.Str("name") ?? "";
                    Assert.False(ChartMatrix.LooksSecret(name), $"{workload.Str("metadata", "name")}: {name} is a plain value, not a secret reference");
                    Assert.DoesNotContain(env.Str("value") ?? "", secrets);
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Every_secret_reference_names_a_rendered_secret_and_key_or_one_the_values_name(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var values = ChartMatrix.Values(file);

        foreach (var deployment in manifests.OfKind("Deployment"))
        {
            foreach (var (secret, key) in PodSpec.Of(deployment).SecretReferences())
            {
                if (manifests.Find("Secret", secret) is { } rendered)
                {
                    Assert.False(Manifests.IsHook(rendered), $"{deployment.Str("metadata", "name")} reads the hook Secret {secret}, which Helm deletes");
                    Assert.True(key is null || rendered.Keys("data").Contains(key), $"Secret {secret} has no key {key}");
                }
                else
                {
                    Assert.True(IsNamedInValues(values, secret), $"{deployment.Str("metadata", "name")} reads Secret {secret}, which neither the chart nor the values name");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Services_that_store_credentials_get_the_encryption_key_from_a_secret(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var keyed = new[] { "catalog", "signer", "management", "standalone" }.Intersect(ChartMatrix.Components(file)).ToList();

        Assert.NotEmpty(keyed);
        foreach (var component in keyed)
        {
            var container = Assert.Single(PodSpec.Of(manifests.ForComponent("Deployment", component)!).Containers);
            var key = PodSpec.Env(container)["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"];
            Assert.NotNull(key.At("valueFrom", "secretKeyRef", "name"));
            Assert.NotNull(key.At("valueFrom", "secretKeyRef", "key"));
        }

        if (ChartMatrix.Values(file).Str("secrets", "encryptionKey", "existingSecret") is not { Length: > 0 })
        {
            var secret = manifests.Get("Secret", "lk-lakekeeper");
            Assert.Equal("keep", secret.Str("metadata", "annotations", "helm.sh/resource-policy"));
            var encoded = manifests.SecretEntries().Single(e => e.Secret == "lk-lakekeeper" && e.Key == "encryption-key").Value;
            Assert.Equal(32, Convert.FromBase64String(encoded).Length);
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Every_deployment_carries_checksums_of_its_settings_and_secrets(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);

        foreach (var deployment in manifests.OfKind("Deployment"))
        {
            var annotations = deployment.StrMap("spec", "template", "metadata", "annotations");
            Assert.Matches("^[0-9a-f]{64}$", annotations.GetValueOrDefault("checksum/config", ""));
            Assert.Matches("^[0-9a-f]{64}$", annotations.GetValueOrDefault("checksum/secret", ""));
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task The_gateway_sends_each_cluster_to_the_service_whose_pods_serve_it(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var settings = manifests.ConfigMapEntries().ToList();
        var destinations = settings.Where(s => s.Key.StartsWith("LAKEKEEPER__GATEWAY__CLUSTERS__", StringComparison.Ordinal)).ToList();

        if (!ChartMatrix.Components(file).Contains("gateway"))
        {
            Assert.Empty(destinations);
            return;
        }

        Assert.Equal(["CATALOG", "MANAGEMENT", "SIGNER"], destinations.Select(d => d.Key.Split("__")[3]).Order(StringComparer.Ordinal));
        foreach (var (configMap, key, address) in destinations)
        {
            Assert.Equal("lk-lakekeeper-gateway", configMap);
            var component = key.Split("__")[3].ToLowerInvariant();
            AssertAddressReaches(manifests, new Uri(address), component, "http");
        }
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task Services_that_ask_authz_reach_its_grpc_port_and_only_they_may(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);
        var callers = manifests.ConfigMapEntries().Where(e => e.Key == "LAKEKEEPER__AUTHZ__ENDPOINT").ToList();

        if (!ChartMatrix.Components(file).Contains("authz"))
        {
            Assert.Empty(callers);
            return;
        }

        Assert.Equal(["lk-lakekeeper-catalog", "lk-lakekeeper-management", "lk-lakekeeper-signer"], callers.Select(c => c.ConfigMap).Order(StringComparer.Ordinal));
        foreach (var (_, _, endpoint) in callers)
        {
            // dns:///<headless Service>:<port>: the name resolves to every ready authz pod, so clients balance over them.
            Assert.StartsWith("dns:///", endpoint, StringComparison.Ordinal);
            var target = new Uri("http://" + endpoint["dns:///".Length..]);
            AssertAddressReaches(manifests, target, "authz", "grpc");
            Assert.Equal("None", manifests.Find("Service", target.Host)!.Str("spec", "clusterIP"));
        }

        var authz = manifests.ForComponent("Deployment", "authz")!;
        var container = Assert.Single(PodSpec.Of(authz).Containers);
        var grpcPort = container.Seq("ports").Single(p => p.Str("name") == "grpc").Str("containerPort");
        Assert.Equal(grpcPort, manifests.ConfigMapEntries().Single(e => e.ConfigMap == "lk-lakekeeper-authz" && e.Key == "LAKEKEEPER__SERVER__INTERNALPORT").Value);

        if (ChartMatrix.Values(file).Str("networkPolicy", "enabled") == "false")
        {
            return;
        }

        var policy = Assert.Single(manifests.OfKind("NetworkPolicy"), p => Manifests.LabelsMatch(p.StrMap("spec", "podSelector", "matchLabels"), PodSpec.Of(authz).Labels));
        var grpcRules = policy.Seq("spec", "ingress").Where(r => r.Seq("ports").Any(p => p.Str("port") == grpcPort)).ToList();
        var rule = Assert.Single(grpcRules);
        var allowed = rule.Seq("from").Select(f => f.StrMap("podSelector", "matchLabels").GetValueOrDefault(Manifests.ComponentLabel)).Order(StringComparer.Ordinal).ToList();
        var expected = callers.Select(c => manifests.Get("ConfigMap", c.ConfigMap).Str("metadata", "labels", Manifests.ComponentLabel)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(expected, allowed);
        Assert.All(rule.Seq("from"), f => Assert.Null(f.At("namespaceSelector")));
    }

    [Theory]
    [MemberData(nameof(ChartMatrix.ValuesFiles), MemberType = typeof(ChartMatrix))]
    public async Task The_helm_test_pod_asks_the_public_entry_for_readiness_then_for_the_catalog_config(string file)
    {
        var manifests = await ChartMatrix.ManifestsAsync(file);

        var test = Assert.Single(manifests.OfKind("Pod"), p => p.Str("metadata", "annotations", "helm.sh/hook") == "test");
        var pod = PodSpec.Of(test);
        var probes = pod.AllContainers.Select(c => c.Seq("args").Select(a => a.Str()!).ToList()).ToList();
        Assert.All(probes, args => Assert.Equal("probe", args[0]));
        var ready = new Uri(probes[0][1]);
        var config = new Uri(probes[1][1]);
        Assert.Equal("/health/ready", ready.AbsolutePath);
        Assert.Equal("/catalog/v1/config", config.AbsolutePath);

        var publicComponent = ChartMatrix.Components(file).Contains("gateway") ? "gateway" : "standalone";
        AssertAddressReaches(manifests, ready, publicComponent, "http");
        AssertAddressReaches(manifests, config, publicComponent, "http");
        var warehouse = ChartMatrix.Values(file).Str("tests", "warehouse");
        Assert.Equal(string.IsNullOrEmpty(warehouse) ? "400" : "200", probes[1][2]);
    }

    /// <summary>The URL's host is a rendered Service whose port (named <paramref name="portName"/>) leads to the component's pods.</summary>
    internal static void AssertAddressReaches(Manifests manifests, Uri address, string component, string portName)
    {
        var service = manifests.Find("Service", address.Host) ?? throw new Xunit.Sdk.XunitException($"{address} names no rendered Service");
        var port = service.Seq("spec", "ports").SingleOrDefault(p => p.Str("port") == address.Port.ToString(System.Globalization.CultureInfo.InvariantCulture))
            ?? throw new Xunit.Sdk.XunitException($"Service {address.Host} has no port {address.Port}");
        Assert.Equal(portName, port.Str("targetPort"));
        var pods = PodSpec.Of(manifests.ForComponent("Deployment", component)!);
        Assert.True(Manifests.LabelsMatch(service.StrMap("spec", "selector"), pods.Labels), $"Service {address.Host} does not select the {component} pods");
        Assert.Contains(pods.Containers.Single().Seq("ports"), p => p.Str("name") == portName);
    }

    private static bool IsNamedInValues(EffectiveValues values, string secret)
    {
        return Named(values.File);

        bool Named(YamlNode node) => node switch
        {
            YamlScalarNode scalar => scalar.Value == secret,
            YamlMappingNode mapping => mapping.Children.Values.Any(Named),
            YamlSequenceNode sequence => sequence.Children.Any(Named),
            _ => false,
        };
    }
}
