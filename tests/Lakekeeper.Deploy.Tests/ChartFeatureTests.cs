using Lakekeeper.Deploy.Tests.Infrastructure;

namespace Lakekeeper.Deploy.Tests;

/// <summary>What each values file of the matrix turns on, as it appears in the manifests.</summary>
public sealed class ChartFeatureTests
{
    [Fact]
    public async Task Autoscaled_services_get_an_hpa_on_cpu_and_memory_and_leave_replicas_to_it()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.HpaAndIngress);
        var values = ChartMatrix.Values(ChartMatrix.HpaAndIngress);

        var scaled = new[] { "gateway", "catalog", "signer", "management", "authz" };
        Assert.Equal(scaled.Length, manifests.OfKind("HorizontalPodAutoscaler").Count());
        foreach (var component in scaled)
        {
            var hpa = manifests.ForComponent("HorizontalPodAutoscaler", component)!;
            var deployment = manifests.ForComponent("Deployment", component)!;
            Assert.Equal("Deployment", hpa.Str("spec", "scaleTargetRef", "kind"));
            Assert.Equal(deployment.Str("metadata", "name"), hpa.Str("spec", "scaleTargetRef", "name"));
            Assert.Equal(["cpu", "memory"], hpa.Seq("spec", "metrics").Select(m => m.Str("resource", "name")));
            Assert.Equal(values.Str(component, "autoscaling", "minReplicas"), hpa.Str("spec", "minReplicas"));
            Assert.Equal(values.Str(component, "autoscaling", "maxReplicas"), hpa.Str("spec", "maxReplicas"));
            Assert.Null(deployment.At("spec", "replicas"));
            Assert.NotNull(Lakekeeper.Deploy.Tests.Infrastructure.PodSpec.Of(deployment).Containers.Single().At("resources", "requests", "cpu"));
        }

        var catalog = manifests.ForComponent("HorizontalPodAutoscaler", "catalog")!;
        Assert.Equal(["60", "75"], catalog.Seq("spec", "metrics").Select(m => m.Str("resource", "target", "averageUtilization")));
        Assert.Equal("2", manifests.ForComponent("Deployment", "events")!.Str("spec", "replicas"));
        Assert.Equal("1", manifests.ForComponent("PodDisruptionBudget", "events")!.Str("spec", "minAvailable"));

        // authz.backend=builtin reaches the engine (authz) and its clients; nothing OpenFGA-specific goes anywhere.
        var settings = manifests.ConfigMapEntries().GroupBy(e => e.ConfigMap).ToDictionary(g => g.Key, g => g.ToDictionary(e => e.Key, e => e.Value));
        foreach (var component in new[] { "authz", "catalog", "signer", "management" })
        {
            Assert.Equal("builtin", settings[$"lk-lakekeeper-{component}"].GetValueOrDefault("LAKEKEEPER__AUTHZ__BACKEND"));
            Assert.DoesNotContain(settings[$"lk-lakekeeper-{component}"].Keys, k => k.StartsWith("LAKEKEEPER__OPENFGA__", StringComparison.Ordinal));
        }

        Assert.Contains("LAKEKEEPER__DATABASE__MAXPOOLSIZE", settings["lk-lakekeeper-authz"].Keys);
    }

    [Fact]
    public async Task The_ingress_sends_its_host_with_tls_to_the_gateway_service()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.HpaAndIngress);

        var ingress = Assert.Single(manifests.OfKind("Ingress"));
        Assert.Equal("nginx", ingress.Str("spec", "ingressClassName"));
        Assert.Equal("32m", ingress.Str("metadata", "annotations", "nginx.ingress.kubernetes.io/proxy-body-size"));
        var rule = Assert.Single(ingress.Seq("spec", "rules"));
        Assert.Equal("lakekeeper.example.com", rule.Str("host"));
        var backend = Assert.Single(rule.Seq("http", "paths")).At("backend", "service");
        var service = manifests.Get("Service", backend.Str("name")!);
        Assert.Equal("gateway", service.Str("spec", "selector", Manifests.ComponentLabel));
        Assert.Contains(service.Seq("spec", "ports"), p => p.Str("name") == backend.Str("port", "name"));
        var tls = Assert.Single(ingress.Seq("spec", "tls"));
        Assert.Equal(["lakekeeper.example.com"], tls.Seq("hosts").Select(h => h.Str()));
        Assert.Equal("lakekeeper.example.com-tls", tls.Str("secretName"));

        var publicBase = manifests.ConfigMapEntries().Where(e => e.Key == "LAKEKEEPER__SERVER__PUBLICBASEURI").Select(e => e.ConfigMap).Order(StringComparer.Ordinal);
        Assert.Equal(["lk-lakekeeper-catalog", "lk-lakekeeper-gateway", "lk-lakekeeper-management", "lk-lakekeeper-signer"], publicBase);
    }

    [Fact]
    public async Task With_external_secrets_the_chart_stores_no_secret_and_reads_each_from_the_named_one()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.ExternalSecrets);

        Assert.Empty(manifests.OfKind("Secret"));
        Assert.DoesNotContain(manifests.ConfigMapEntries(), e => e.Key == "LAKEKEEPER__DATABASE__CONNECTIONSTRING");
        var catalog = PodSpec.Env(PodSpec.Of(manifests.ForComponent("Deployment", "catalog")!).Containers.Single());
        AssertSecretRef(catalog["LAKEKEEPER__DATABASE__CONNECTIONSTRING"], "lakekeeper-postgres", "connection-string");
        AssertSecretRef(catalog["LAKEKEEPER__DATABASE__PASSWORD"], "lakekeeper-postgres", "pg-password");
        Assert.Equal("true", catalog["LAKEKEEPER__DATABASE__PASSWORD"].Str("valueFrom", "secretKeyRef", "optional"));
        AssertSecretRef(catalog["LAKEKEEPER__SECRETS__ENCRYPTIONKEY"], "lakekeeper-keys", "current");
        AssertSecretRef(catalog["LAKEKEEPER__SECRETS__PREVIOUSKEYS__0"], "lakekeeper-keys", "previous");
        AssertSecretRef(catalog["LAKEKEEPER__SERVICE_TOKEN"], "lakekeeper-keys", "service-token");

        var migrate = PodSpec.Env(PodSpec.Of(Assert.Single(manifests.OfKind("Job"))).Containers.Single());
        AssertSecretRef(migrate["LAKEKEEPER__DATABASE__CONNECTIONSTRING"], "lakekeeper-postgres", "connection-string");
    }

    [Fact]
    public async Task Generated_keys_are_base64_of_32_random_bytes_and_a_service_token_kept_on_uninstall()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.Defaults);

        var secret = manifests.Get("Secret", "lk-lakekeeper");
        Assert.Equal("keep", secret.Str("metadata", "annotations", "helm.sh/resource-policy"));
        var entries = manifests.SecretEntries().Where(e => e.Secret == "lk-lakekeeper").ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal(["encryption-key", "service-token"], entries.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(32, Convert.FromBase64String(entries["encryption-key"]).Length);
        Assert.True(entries["service-token"].Length >= 32);
        foreach (var component in ChartMatrix.MicroserviceComponents)
        {
            var env = PodSpec.Env(PodSpec.Of(manifests.ForComponent("Deployment", component)!).Containers.Single());
            AssertSecretRef(env["LAKEKEEPER__SERVICE_TOKEN"], "lk-lakekeeper", "service-token");
        }
    }

    [Fact]
    public async Task Standalone_runs_every_module_in_one_deployment_behind_the_release_service()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.Standalone);

        var deployment = Assert.Single(manifests.OfKind("Deployment"));
        Assert.Equal("2", deployment.Str("spec", "replicas"));
        var container = PodSpec.Of(deployment).Containers.Single();
        Assert.Equal(["standalone", "serve"], container.Seq("args").Select(a => a.Str()));
        var settings = manifests.ConfigMapEntries().ToDictionary(e => e.Key, e => e.Value);
        Assert.DoesNotContain("LAKEKEEPER__AUTHZ__ENDPOINT", settings.Keys);
        Assert.DoesNotContain(settings.Keys, k => k.StartsWith("LAKEKEEPER__GATEWAY__", StringComparison.Ordinal));
        // authz.backend empty (the default): no variable, the engine decides (builtin with an identity provider).
        Assert.DoesNotContain("LAKEKEEPER__AUTHZ__BACKEND", settings.Keys);
        Assert.Equal("0", settings["LAKEKEEPER__METRICS_PORT"]); // metrics.enabled: false turns the services' default 9000 off
        Assert.DoesNotContain(container.Seq("ports"), p => p.Str("name") == "metrics");
        Assert.DoesNotContain("LAKEKEEPER__SERVICE_TOKEN", PodSpec.Env(container).Keys);
        Assert.Equal("lk-lakekeeper", Assert.Single(manifests.OfKind("Service")).Str("metadata", "name"));

        // The inline password: a Secret for the services and a hook Secret for the migration.
        Assert.Equal("standalone-db-password-41f0", manifests.SecretEntries().Single(e => e.Secret == "lk-lakekeeper" && e.Key == "database-password").Value);
        Assert.Equal("standalone-db-password-41f0", manifests.SecretEntries().Single(e => e.Secret == "lk-lakekeeper-migrate" && e.Key == "database-password").Value);
        AssertSecretRef(PodSpec.Env(container)["LAKEKEEPER__DATABASE__PASSWORD"], "lk-lakekeeper", "database-password");
    }

    [Fact]
    public async Task Every_optional_feature_reaches_the_services_that_use_it()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.AllFeatures);
        var settings = manifests.ConfigMapEntries().GroupBy(e => e.ConfigMap).ToDictionary(g => g.Key, g => g.ToDictionary(e => e.Key, e => e.Value));
        string? Setting(string component, string key) => settings[$"lk-lakekeeper-{component}"].GetValueOrDefault(key);

        // OIDC and Kubernetes tokens: every service that authenticates callers (the gateway passes tokens through).
        foreach (var component in new[] { "catalog", "signer", "management" })
        {
            Assert.Equal("https://idp.example.com/realms/lake", Setting(component, "LAKEKEEPER__OPENID_PROVIDER_URI"));
            Assert.Equal("lakekeeper,trino", Setting(component, "LAKEKEEPER__OPENID_AUDIENCE"));
            Assert.Equal("https://login.microsoftonline.com/tenant/v2.0", Setting(component, "LAKEKEEPER__OPENID_PROVIDERS__ENTRA__URI"));
            Assert.Equal("true", Setting(component, "LAKEKEEPER__ENABLE_KUBERNETES_AUTHENTICATION"));
            Assert.Equal("true", PodSpec.Of(manifests.ForComponent("Deployment", component)!).Spec.Str("automountServiceAccountToken"));
        }

        foreach (var component in new[] { "gateway", "authz", "events" })
        {
            Assert.Null(Setting(component, "LAKEKEEPER__OPENID_PROVIDER_URI"));
            Assert.Equal("false", PodSpec.Of(manifests.ForComponent("Deployment", component)!).Spec.Str("automountServiceAccountToken"));
        }

        var binding = Assert.Single(manifests.OfKind("ClusterRoleBinding"));
        Assert.Equal("system:auth-delegator", binding.Str("roleRef", "name"));
        Assert.Equal(["lk-lakekeeper-catalog", "lk-lakekeeper-management", "lk-lakekeeper-signer"],
            binding.Seq("subjects").Select(s => s.Str("name")).Order(StringComparer.Ordinal));

        // OpenFGA: only the engine, with the client credentials from their Secret.
        Assert.Equal("openfga", Setting("catalog", "LAKEKEEPER__AUTHZ__BACKEND"));
        Assert.Equal("http://openfga.authz.svc:8081", Setting("authz", "LAKEKEEPER__OPENFGA__ENDPOINT"));
        Assert.Null(Setting("catalog", "LAKEKEEPER__OPENFGA__ENDPOINT"));
        var authz = PodSpec.Env(PodSpec.Of(manifests.ForComponent("Deployment", "authz")!).Containers.Single());
        AssertSecretRef(authz["LAKEKEEPER__OPENFGA__CLIENT_SECRET"], "openfga-client", "client-secret");

        // Events: NATS with a mounted credentials file, Kafka with its password from a Secret.
        var events = PodSpec.Of(manifests.ForComponent("Deployment", "events")!);
        var eventsEnv = PodSpec.Env(events.Containers.Single());
        Assert.Equal("nats://nats.events.svc:4222", Setting("events", "LAKEKEEPER__NATS_ADDRESS"));
        var credsFile = Setting("events", "LAKEKEEPER__NATS_CREDS_FILE")!;
        var mount = events.Containers.Single().Seq("volumeMounts").Single(m => credsFile.StartsWith(m.Str("mountPath") + "/", StringComparison.Ordinal));
        var volume = events.Spec.Seq("volumes").Single(v => v.Str("name") == mount.Str("name"));
        Assert.Equal("nats-credentials", volume.Str("secret", "secretName"));
        Assert.Contains(volume.Seq("secret", "items"), i => i.Str("key") == "lakekeeper.creds" && credsFile.EndsWith("/" + i.Str("path"), StringComparison.Ordinal));
        AssertSecretRef(eventsEnv["LAKEKEEPER__NATS_PASSWORD"], "nats-credentials", "password");
        Assert.Equal("kafka-0.kafka:9092,kafka-1.kafka:9092", Setting("events", "LAKEKEEPER__KAFKA_CONFIG__bootstrap.servers"));
        AssertSecretRef(eventsEnv["LAKEKEEPER__KAFKA_CONFIG__sasl.password"], "kafka-credentials", "password");
        Assert.Equal("true", Setting("events", "LAKEKEEPER__LOG_CLOUDEVENTS"));
        Assert.Null(Setting("catalog", "LAKEKEEPER__NATS_ADDRESS"));

        // Metrics on every service, scraped by one ServiceMonitor; traces to the collector.
        var monitor = Assert.Single(manifests.OfKind("ServiceMonitor"));
        Assert.Equal("prometheus", monitor.Str("metadata", "labels", "release"));
        var endpoint = Assert.Single(monitor.Seq("spec", "endpoints"));
        foreach (var service in manifests.OfKind("Service"))
        {
            Assert.True(Manifests.LabelsMatch(monitor.StrMap("spec", "selector", "matchLabels"), service.StrMap("metadata", "labels")));
            if (service.Str("spec", "clusterIP") == "None")
            {
                // A headless Service selects the same pods: without the metrics port it adds no second scrape of them.
                Assert.DoesNotContain(service.Seq("spec", "ports"), p => p.Str("name") == endpoint.Str("port"));
                continue;
            }

            Assert.Contains(service.Seq("spec", "ports"), p => p.Str("name") == endpoint.Str("port") && p.Str("port") == "9000");
        }

        foreach (var component in ChartMatrix.MicroserviceComponents)
        {
            Assert.Equal("9000", Setting(component, "LAKEKEEPER__METRICS_PORT"));
            Assert.Equal("http://otel-collector.observability.svc:4317", Setting(component, "LAKEKEEPER__TELEMETRY__OTLPENDPOINT"));
            Assert.Equal("0.25", Setting(component, "LAKEKEEPER__TELEMETRY__SAMPLINGRATIO"));
            Assert.Equal("500", Setting(component, "LAKEKEEPER__CATALOG__PAGESIZEMAX"));
            Assert.Equal("Host=postgres.databases.svc;Port=6432;Database=catalog;Username=catalog;SSL Mode=VerifyFull;Timeout=15;Command Timeout=60",
                Setting(component, "LAKEKEEPER__DATABASE__CONNECTIONSTRING") ?? Setting("catalog", "LAKEKEEPER__DATABASE__CONNECTIONSTRING"));
            var pod = PodSpec.Of(manifests.ForComponent("Deployment", component)!);
            Assert.Equal("registry.example.com/platform/lakekeeper:0.1.0-rc.1", pod.Containers.Single().Str("image"));
            Assert.Equal(["registry-credentials"], pod.Spec.Seq("imagePullSecrets").Select(s => s.Str("name")));
        }

        // Gateway API route next to the Ingress.
        var route = Assert.Single(manifests.OfKind("HTTPRoute"));
        Assert.Equal("shared-gateway", route.Seq("spec", "parentRefs").Single().Str("name"));
        var backend = route.Seq("spec", "rules").Single().Seq("backendRefs").Single();
        ChartMatrixTests.AssertAddressReaches(manifests, new Uri($"http://{backend.Str("name")}:{backend.Str("port")}"), "gateway", "http");
        Assert.Equal(2, Assert.Single(manifests.OfKind("Ingress")).Seq("spec", "rules").Count);
    }

    [Fact]
    public async Task Closed_network_policies_admit_only_labelled_clients_and_allow_only_dns_postgres_and_the_release()
    {
        var manifests = await ChartMatrix.ManifestsAsync(ChartMatrix.AllFeatures);

        var gateway = manifests.ForComponent("NetworkPolicy", "gateway")!;
        var entry = gateway.Seq("spec", "ingress").First();
        Assert.Contains(entry.Seq("from"), f => f.Str("podSelector", "matchLabels", "lk-lakekeeper-client") == "true");
        var test = Assert.Single(manifests.OfKind("Pod"));
        Assert.Equal("true", test.Str("metadata", "labels", "lk-lakekeeper-client"));

        foreach (var component in ChartMatrix.MicroserviceComponents)
        {
            var policy = manifests.ForComponent("NetworkPolicy", component)!;
            var egress = policy.Seq("spec", "egress");
            Assert.DoesNotContain(egress, rule => rule is YamlDotNet.RepresentationModel.YamlMappingNode { Children.Count: 0 });
            Assert.Contains(egress, r => r.Seq("ports").Any(p => p.Str("port") == "53"));
            Assert.Contains(egress, r => r.Seq("to").Any(t => t.Str("podSelector", "matchLabels", "app.kubernetes.io/instance") == "lk"));
            var usesDatabase = component != "gateway";
            Assert.Equal(usesDatabase, egress.Any(r => r.Seq("ports").Any(p => p.Str("port") == "6432")));
            var metrics = policy.Seq("spec", "ingress").Single(r => r.Seq("ports").Any(p => p.Str("port") == "9000"));
            Assert.Equal("monitoring", metrics.Seq("from").Single().Str("namespaceSelector", "matchLabels", "kubernetes.io/metadata.name"));
        }
    }

    [Fact]
    public async Task A_changed_setting_or_secret_changes_the_pod_checksums_and_an_unchanged_render_does_not()
    {
        ChartRenderer.Require();
        var file = ChartMatrix.PathOf(ChartMatrix.Standalone);
        var pinned = RenderRequest.For(file).With("secrets.encryptionKey.existingSecret=keys");

        var first = await Checksums(pinned);
        var again = await Checksums(pinned);
        var otherLevel = await Checksums(pinned.With("config.log.level=Debug"));
        var otherPassword = await Checksums(pinned.With("externalDatabase.password=rotated-password-77"));

        Assert.Equal(first, again);
        Assert.NotEqual(first.Config, otherLevel.Config);
        Assert.Equal(first.Secret, otherLevel.Secret);
        Assert.NotEqual(first.Secret, otherPassword.Secret);
        Assert.Equal(first.Config, otherPassword.Config);

        static async Task<(string Config, string Secret)> Checksums(RenderRequest request)
        {
            var renderer = ChartRenderer.Require();
            var result = await renderer.TemplateAsync(request);
            var annotations = Assert.Single(result.Manifests().OfKind("Deployment")).StrMap("spec", "template", "metadata", "annotations");
            return (annotations["checksum/config"], annotations["checksum/secret"]);
        }
    }

    private static void AssertSecretRef(YamlDotNet.RepresentationModel.YamlNode env, string secret, string key)
    {
        Assert.Null(env.At("value"));
        Assert.Equal(secret, env.Str("valueFrom", "secretKeyRef", "name"));
        Assert.Equal(key, env.Str("valueFrom", "secretKeyRef", "key"));
    }
}
