using System.Globalization;
using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using ClusterML.Cli.Hosting;
using ClusterML.Cluster.Security;
using YamlDotNet.RepresentationModel;

namespace ClusterML.Cli.Tests.Deploy;

/// <summary>
/// The deploy files (deploy/k8s, deploy/compose, deploy/systemd) hold the contract the code keeps: the ports, the
/// environment variables it binds, the health endpoints, the roles, the TLS file names and how long a node takes to leave.
/// Nothing here runs Kubernetes, Docker or systemd; the files are parsed and compared with the code.
/// </summary>
public sealed partial class DeployManifestTests
{
    private const int RemotingPort = 4053;
    private const int ManagementPort = 8558;
    private const string DiscoveryService = "clusterml";

    /// <summary>
    /// Settings of the cluster bootstrap that the manifests use (properties of <see cref="ClusterConfiguration"/>, environment
    /// <c>CLUSTERML_Cluster__NAME</c>), with the values each takes; reflection checks them against their types as well.
    /// </summary>
    private static readonly Dictionary<string, Func<string, bool>> BootstrapContract = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Discovery"] = value => value is "none" or "config" or "kubernetes",
        ["DiscoveryService"] = value => value.Length > 0,
        ["ManagementPort"] = value => int.TryParse(value, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535,
        ["ContactPoints"] = value => int.TryParse(value, CultureInfo.InvariantCulture, out var count) && count >= 1,
    };

    [Fact]
    public void The_kustomization_should_list_every_manifest_but_the_GPU_variant()
    {
        var kustomization = Documents("deploy/k8s/kustomization.yaml").Single();
        var listed = Sequence(kustomization, "resources").Select(n => ((YamlScalarNode)n).Value!).ToList();
        var onDisk = Directory.GetFiles(CliRun.RepositoryFile("deploy/k8s"), "*.yaml").Select(f => Path.GetFileName(f)!).ToList();
        Assert.False(kustomization.Children.ContainsKey("namespace"), "the manifests are namespace-agnostic");
        Assert.Equal(onDisk.Where(f => f is not ("kustomization.yaml" or "worker-gpu.yaml")).Order(), listed.Order());
        Assert.Contains("worker-gpu.yaml", onDisk);
        Assert.All(Manifests(), m => Assert.False(Mapping(m.Root, "metadata").Children.ContainsKey("namespace"), $"{m.File}: {m.Name} names a namespace"));
    }

    [Fact]
    public void The_headless_Service_should_publish_the_ports_every_pod_listens_on()
    {
        var service = Single("Service", "clusterml");
        var spec = Mapping(service.Root, "spec");
        Assert.Equal("None", Scalar(spec, "clusterIP"));
        Assert.Equal("true", Scalar(spec, "publishNotReadyAddresses")); // bootstrap must see pods before they are members
        Assert.Equal(DiscoveryService, Scalar(Mapping(spec, "selector"), "app"));
        var ports = Sequence(spec, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Int(p, "port"));
        Assert.Equal(new Dictionary<string, int> { ["remoting"] = RemotingPort, ["management"] = ManagementPort }, ports);
        Assert.Equal("clusterml", Scalar(Mapping(Single("StatefulSet", "clusterml-coordinator").Root, "spec"), "serviceName"));
        Assert.All(PodWorkloads(), w =>
        {
            // Found by bootstrap with the selector app=<discovery service>, and by the Service.
            Assert.Equal(DiscoveryService, Scalar(Mapping(Mapping(Template(w), "metadata"), "labels"), "app"));
            var container = Container(w);
            var named = ContainerPorts(container);
            Assert.Equal(RemotingPort, named["remoting"]);
            Assert.Equal(ManagementPort, named["management"]);
            var env = Environment(container);
            Assert.Equal(RemotingPort.ToString(CultureInfo.InvariantCulture), env["CLUSTERML_Cluster__Port"]);
            Assert.Equal(ManagementPort.ToString(CultureInfo.InvariantCulture), env["CLUSTERML_Cluster__ManagementPort"]);
            Assert.Equal("kubernetes", env["CLUSTERML_Cluster__Discovery"]);
            Assert.Equal(DiscoveryService, env["CLUSTERML_Cluster__DiscoveryService"]);
            Assert.Equal("fieldRef:status.podIP", env["CLUSTERML_Cluster__Hostname"]); // the address the others reach it at
        });
    }

    [Fact]
    public void Probes_should_ask_the_management_port_for_readiness_and_liveness()
    {
        Assert.All(PodWorkloads(), w =>
        {
            var container = Container(w);
            var ports = ContainerPorts(container);
            int Port(string probe)
            {
                var get = Mapping(Mapping(container, probe), "httpGet");
                var port = Scalar(get, "port");
                return int.TryParse(port, CultureInfo.InvariantCulture, out var number) ? number : ports[port];
            }
            string PathOf(string probe) => Scalar(Mapping(Mapping(container, probe), "httpGet"), "path");
            Assert.Equal("/health/ready", PathOf("readinessProbe"));
            Assert.Equal("/health/alive", PathOf("livenessProbe"));
            Assert.Equal(ManagementPort, Port("readinessProbe"));
            Assert.Equal(ManagementPort, Port("livenessProbe"));
            // Joining may take the whole --join-timeout: the startup probe must not restart the pod before the node gives up.
            Assert.Equal("/health/alive", PathOf("startupProbe"));
            Assert.Equal(ManagementPort, Port("startupProbe"));
            var startup = Mapping(container, "startupProbe");
            var args = Arguments(container);
            var joinTimeout = int.Parse(args[Array.IndexOf(args, "--join-timeout") + 1], CultureInfo.InvariantCulture);
            Assert.True(Int(startup, "periodSeconds") * Int(startup, "failureThreshold") > joinTimeout,
                $"{w.Name}: the startup probe gives up before --join-timeout {joinTimeout}");
        });
    }

    [Fact]
    public void Every_environment_variable_should_be_a_setting_the_code_reads()
    {
        var names = PodWorkloads().SelectMany(w => Environment(Container(w)).Select(e => (w.Name, e.Key, e.Value))).ToList();
        Assert.NotEmpty(names);
        Assert.All(names, e =>
        {
            Assert.StartsWith("CLUSTERML_", e.Key, StringComparison.Ordinal);
            Assert.True(Known(e.Key, e.Value) is null, $"{e.Name}: {Known(e.Key, e.Value)}");
        });
    }

    [Fact]
    public void The_setting_check_should_refuse_names_and_values_the_code_does_not_know()
    {
        Assert.Null(Known("CLUSTERML_Cluster__Port", "4053"));
        Assert.Null(Known("CLUSTERML_Cluster__SeedNodes__0", "akka.tcp://clusterml@10.0.0.5:4053"));
        Assert.Null(Known("CLUSTERML_POSTGRES", "Host=db"));
        Assert.NotNull(Known("CLUSTERML_Cluster__SeedNode", "akka.tcp://clusterml@10.0.0.5:4053"));
        Assert.NotNull(Known("CLUSTERML_Custer__Port", "4053"));
        Assert.NotNull(Known("CLUSTERML_Cluster__Port", "four"));
        Assert.NotNull(Known("CLUSTERML_Cluster__Discovery", "dns"));
        Assert.NotNull(Known("CLUSTERML_Cluster__DashboardToken", "x")); // bound from Dashboard:Token, not Cluster
    }

    [Fact]
    public void The_coordinator_should_be_one_stable_pod_with_its_journal_in_PostgreSQL_and_a_volume_for_its_files()
    {
        var coordinator = Single("StatefulSet", "clusterml-coordinator");
        Assert.Equal(1, Int(Mapping(coordinator.Root, "spec"), "replicas"));
        var container = Container(coordinator);
        var (command, roles, dataDir) = NodeCommandLine(container);
        Assert.Equal("node", command);
        Assert.Equal(new[] { "aggregator", "coordinator" }, roles.Order());
        Assert.Equal("secretKeyRef:clusterml-postgres/connection", Environment(container)["CLUSTERML_Cluster__Postgres"]);
        // The data directory is the volume claim's, so pinned inputs and artifacts outlive the pod.
        var claims = Sequence(Mapping(coordinator.Root, "spec"), "volumeClaimTemplates").Cast<YamlMappingNode>().Select(c => Scalar(Mapping(c, "metadata"), "name"));
        Assert.Contains(MountedVolume(container, dataDir), claims);
    }

    [Fact]
    public void Workers_should_run_node_with_the_worker_role_and_keep_their_cache_inside_the_volume()
    {
        foreach (var (name, device) in new[] { ("clusterml-worker", "cpu"), ("clusterml-worker-gpu", "cuda:0") })
        {
            var worker = Single("Deployment", name);
            var container = Container(worker);
            var (command, roles, dataDir) = NodeCommandLine(container);
            Assert.Equal("node", command);
            Assert.Equal(new[] { "worker" }, roles);
            var args = Arguments(container);
            Assert.Equal(device, args[Array.IndexOf(args, "--device") + 1]);
            var env = Environment(container);
            Assert.False(env.ContainsKey("CLUSTERML_Cluster__Postgres"), $"{name}: workers write no journal and need no database password");
            Assert.True(int.Parse(env["CLUSTERML_Cluster__Slots"], CultureInfo.InvariantCulture) >= 1);
            // The worker's files are a cache and staging: an emptyDir whose size limit holds the blob cache's.
            var volume = Volume(worker, MountedVolume(container, dataDir));
            var sizeLimit = Scalar(Mapping(volume, "emptyDir"), "sizeLimit");
            Assert.True(Gibibytes(sizeLimit) > double.Parse(env["CLUSTERML_Cluster__BlobCacheGiB"], CultureInfo.InvariantCulture),
                $"{name}: BlobCacheGiB {env["CLUSTERML_Cluster__BlobCacheGiB"]} does not fit the emptyDir's {sizeLimit}");
            var resources = Mapping(container, "resources");
            foreach (var kind in new[] { "requests", "limits" })
            {
                Assert.True(Mapping(resources, kind).Children.ContainsKey("cpu") && Mapping(resources, kind).Children.ContainsKey("memory"), $"{name}: {kind} lack cpu or memory");
            }
        }
    }

    [Fact]
    public void The_GPU_variant_should_request_one_GPU_and_use_it_as_cuda_0()
    {
        var gpu = Single("Deployment", "clusterml-worker-gpu");
        var container = Container(gpu);
        Assert.Equal("1", Scalar(Mapping(Mapping(container, "resources"), "limits"), "nvidia.com/gpu"));
        var args = Arguments(container);
        Assert.StartsWith("cuda", args[Array.IndexOf(args, "--device") + 1], StringComparison.Ordinal);
        Assert.Equal("1", Environment(container)["CLUSTERML_Cluster__Slots"]);
        Assert.DoesNotContain(Mapping(Container(Single("Deployment", "clusterml-worker")), "resources").AllNodes,
            n => n is YamlScalarNode { Value: "nvidia.com/gpu" });
    }

    [Fact]
    public void TLS_material_should_come_read_only_from_a_Secret_with_the_file_names_the_node_reads()
    {
        var expected = new[] { ClusterCertificates.AuthorityCertificateFile, ClusterCertificates.NodeCertificateFile, ClusterCertificates.NodeKeyFile };
        var secrets = new Dictionary<string, string>();
        Assert.All(PodWorkloads(), w =>
        {
            var container = Container(w);
            var folder = Environment(container)["CLUSTERML_Cluster__Tls"];
            var mount = Sequence(container, "volumeMounts").Cast<YamlMappingNode>().Single(m => Scalar(m, "mountPath") == folder);
            Assert.Equal("true", Scalar(mount, "readOnly"));
            var secret = Mapping(Volume(w, Scalar(mount, "name")), "secret");
            var items = Sequence(secret, "items").Cast<YamlMappingNode>().ToDictionary(i => Scalar(i, "key"), i => Scalar(i, "path"));
            Assert.Equal(expected.Order(), items.Values.Order());
            Assert.All(items, i => Assert.Equal(i.Key, i.Value));
            secrets[w.Name] = Scalar(secret, "secretName");
        });
        // The coordinator's certificate allows coordinator,aggregator; the workers' only worker: not the same Secret.
        Assert.NotEqual(secrets["clusterml-coordinator"], secrets["clusterml-worker"]);
        Assert.Equal(secrets["clusterml-worker"], secrets["clusterml-worker-gpu"]);
    }

    [Fact]
    public void The_pods_should_have_longer_to_stop_than_a_node_takes_to_hand_back_its_trials_and_leave()
    {
        var bound = LeaveBoundSeconds();
        var readme = File.ReadAllText(CliRun.RepositoryFile("deploy/k8s/README.md"));
        Assert.Contains($"{bound} s", readme, StringComparison.Ordinal); // the documented number is Akka's
        Assert.All(PodWorkloads(), w =>
        {
            var grace = Int(Mapping(Template(w), "spec"), "terminationGracePeriodSeconds");
            Assert.True(grace > bound, $"{w.Name}: terminationGracePeriodSeconds {grace} ≤ {bound} s, the longest a node's coordinated shutdown may take");
        });
    }

    [Fact]
    public void The_service_account_should_read_pods_and_nothing_else()
    {
        var rules = Sequence(Single("Role", "clusterml-pod-reader").Root, "rules").Cast<YamlMappingNode>().ToList();
        var rule = Assert.Single(rules);
        Assert.Equal(new[] { "" }, Strings(rule, "apiGroups"));
        Assert.Equal(new[] { "pods" }, Strings(rule, "resources"));
        Assert.Equal(new[] { "get", "list", "watch" }, Strings(rule, "verbs").Order());
        var binding = Single("RoleBinding", "clusterml-pod-reader").Root;
        Assert.Equal("clusterml-pod-reader", Scalar(Mapping(binding, "roleRef"), "name"));
        var subject = Assert.Single(Sequence(binding, "subjects").Cast<YamlMappingNode>());
        Assert.Equal(("ServiceAccount", "clusterml"), (Scalar(subject, "kind"), Scalar(subject, "name")));
        Single("ServiceAccount", "clusterml");
        Assert.All(PodWorkloads(), w => Assert.Equal("clusterml", Scalar(Mapping(Template(w), "spec"), "serviceAccountName")));
    }

    [Fact]
    public void The_compose_file_should_keep_the_port_the_TLS_folder_and_the_settings_of_the_code()
    {
        var root = Documents("deploy/compose/cluster.yml").Single();
        var services = Mapping(root, "services");
        string[] Command(string service) => Strings(Mapping(services, service), "command");
        var coordinator = Command("coordinator");
        var worker = Command("worker");
        Assert.Equal(RemotingPort.ToString(CultureInfo.InvariantCulture), Option(coordinator, "--port"));
        Assert.Equal(RemotingPort.ToString(CultureInfo.InvariantCulture), Option(worker, "--port"));
        // The worker's seed is the coordinator's service name and port.
        Assert.Equal($"akka.tcp://clusterml@{Option(coordinator, "--hostname")}:{Option(coordinator, "--port")}", Option(worker, "--seed-nodes"));
        Assert.Equal(Option(coordinator, "--hostname"), Scalar(Mapping(services, "coordinator"), "hostname"));
        Assert.Equal("on-failure", Scalar(Mapping(services, "worker"), "restart"));
        foreach (var (service, command) in new[] { ("coordinator", coordinator), ("worker", worker) })
        {
            // --tls names a folder mounted read-only into the container.
            var tls = Option(command, "--tls");
            Assert.Contains(Strings(Mapping(services, service), "volumes"), v => v.EndsWith($":{tls}:ro", StringComparison.Ordinal));
            if (Mapping(services, service).Children.ContainsKey("environment"))
            {
                Assert.All(Mapping(Mapping(services, service), "environment").Children, e =>
                    Assert.True(Known(((YamlScalarNode)e.Key).Value!, ((YamlScalarNode)e.Value).Value!) is null, $"{service}: {Known(((YamlScalarNode)e.Key).Value!, ((YamlScalarNode)e.Value).Value!)}"));
            }
        }
    }

    [Fact]
    public void The_systemd_unit_should_stop_with_SIGTERM_and_wait_for_the_node_to_leave()
    {
        var service = SystemdService();
        Assert.Equal("SIGTERM", service.GetValueOrDefault("KillSignal", "SIGTERM")); // systemd's default is SIGTERM too
        Assert.Equal("on-failure", service["Restart"]);
        var stop = int.Parse(service["TimeoutStopSec"], CultureInfo.InvariantCulture);
        Assert.True(stop > LeaveBoundSeconds(), $"TimeoutStopSec={stop} ≤ {LeaveBoundSeconds()} s, the longest a node's coordinated shutdown may take");
        var command = service["ExecStart"].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(new[] { "node", "--roles", "worker" }, command[1..4]);
        Assert.Equal(RemotingPort.ToString(CultureInfo.InvariantCulture), Option(command, "--port"));
        Assert.All(service.Where(kv => kv.Key == "Environment"), kv => Assert.True(Known(kv.Value.Split('=')[0], kv.Value.Split('=', 2)[1]) is null));
    }

    /// <summary>
    /// The longest Akka's coordinated shutdown may take on a node, in seconds: the timeouts of its phases, each at most
    /// its own <c>timeout</c> (else <c>default-phase-timeout</c>), in the chain that ends with <c>actor-system-terminate</c>.
    /// A node stopped by SIGTERM goes through all of them: the shard regions hand their entities off, the node leaves and
    /// exits.
    /// </summary>
    private static int LeaveBoundSeconds()
    {
        var config = Akka.Configuration.ConfigurationFactory.Default().GetConfig("akka.coordinated-shutdown");
        var fallback = config.GetTimeSpan("default-phase-timeout");
        var total = TimeSpan.Zero;
        var seen = new HashSet<string>();
        for (string? phase = "actor-system-terminate"; phase is not null && seen.Add(phase);)
        {
            total += config.GetTimeSpan($"phases.{phase}.timeout", fallback);
            IList<string> before = config.HasPath($"phases.{phase}.depends-on") ? config.GetStringList($"phases.{phase}.depends-on") : [];
            Assert.True(before.Count <= 1, $"phase {phase} depends on several phases; take the longest path");
            phase = before.FirstOrDefault();
        }
        Assert.Contains("cluster-sharding-shutdown-region", seen);
        return (int)Math.Ceiling(total.TotalSeconds);
    }

    /// <summary>
    /// Null when <paramref name="name"/> is an environment variable the code reads and <paramref name="value"/> fits it, else
    /// why not. Cluster settings are <c>CLUSTERML_Cluster__P</c> (or <c>__P__N</c> for a list) for a public property P of
    /// <see cref="ClusterConfiguration"/> or of <see cref="BootstrapContract"/>; other names count when the CLI's source reads
    /// them by name (<c>"CLUSTERML_POSTGRES"</c>).
    /// </summary>
    private static string? Known(string name, string value)
    {
        var match = ClusterSetting().Match(name);
        if (match.Success)
        {
            var setting = match.Groups["name"].Value;
            var property = typeof(ClusterConfiguration).GetProperty(setting, BindingFlags.Public | BindingFlags.Instance | BindingFlags.IgnoreCase);
            if (property is { Name: nameof(ClusterConfiguration.DashboardToken) })
            {
                return $"{name}: the dashboard token is read from Dashboard:Token (CLUSTERML_Dashboard__Token)";
            }
            if (property is null && !BootstrapContract.ContainsKey(setting))
            {
                return $"{name}: ClusterConfiguration has no setting {setting}";
            }
            if (BootstrapContract.TryGetValue(setting, out var accepts) && !accepts(value))
            {
                return $"{name}: '{value}' is not a value of {setting}";
            }
            if (property is null)
            {
                return null;
            }
            // A list is set one item at a time (SeedNodes__0); a single value is set without an index.
            var indexed = match.Groups["index"].Success;
            var type = property.PropertyType.IsArray == indexed ? (indexed ? property.PropertyType.GetElementType()! : property.PropertyType) : null;
            return type is not null && Converts(value, Nullable.GetUnderlyingType(type) ?? type)
                ? null
                : $"{name}: '{value}' cannot bind to {property.Name} ({property.PropertyType.Name})";
        }
        return ReadByName().Contains(name) ? null : $"{name}: no code reads it (neither a Cluster setting nor a name in src/ClusterML.Cli)";
    }

    private static bool Converts(string value, Type type) =>
        value.StartsWith("fieldRef:", StringComparison.Ordinal) || value.StartsWith("secretKeyRef:", StringComparison.Ordinal) || type == typeof(string)
        || (type == typeof(int) && int.TryParse(value, CultureInfo.InvariantCulture, out _))
        || (type == typeof(double) && double.TryParse(value, CultureInfo.InvariantCulture, out _))
        || (type == typeof(bool) && bool.TryParse(value, out _))
        || (type.IsEnum && Enum.TryParse(type, value, ignoreCase: true, out _));

    /// <summary>The environment variables the CLI's source reads by their literal name (<c>"CLUSTERML_DATA_DIR"</c>, <c>"CI"</c>).</summary>
    private static HashSet<string> ReadByName() =>
    [
        .. Directory.EnumerateFiles(CliRun.RepositoryFile("src/ClusterML.Cli"), "*.cs", SearchOption.AllDirectories)
            .SelectMany(file => EnvironmentRead().Matches(File.ReadAllText(file)).Select(m => m.Groups[1].Value)),
        "CLUSTERML_Dashboard__Token",
    ];

    [GeneratedRegex(@"^CLUSTERML_Cluster__(?<name>[A-Za-z]+)(?:__(?<index>\d+))?$")]
    private static partial Regex ClusterSetting();

    [GeneratedRegex(@"GetEnvironmentVariable\(""([A-Za-z_][A-Za-z0-9_]*)""\)")]
    private static partial Regex EnvironmentRead();

    private sealed record Manifest(string File, string Kind, string Name, YamlMappingNode Root);

    private static List<Manifest> Manifests() =>
    [
        .. Directory.GetFiles(CliRun.RepositoryFile("deploy/k8s"), "*.yaml").Where(f => Path.GetFileName(f) != "kustomization.yaml")
            .SelectMany(file => Documents(file).Select(root => new Manifest(Path.GetFileName(file), Scalar(root, "kind"), Scalar(Mapping(root, "metadata"), "name"), root))),
    ];

    private static List<Manifest> PodWorkloads()
    {
        var workloads = Manifests().Where(m => m.Kind is "Deployment" or "StatefulSet").ToList();
        Assert.Equal(new[] { "clusterml-coordinator", "clusterml-worker", "clusterml-worker-gpu" }, workloads.Select(w => w.Name).Order());
        return workloads;
    }

    private static Manifest Single(string kind, string name) => Assert.Single(Manifests(), m => m.Kind == kind && m.Name == name);

    private static List<YamlMappingNode> Documents(string path)
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Path.IsPathRooted(path) ? path : CliRun.RepositoryFile(path)))
        {
            yaml.Load(reader);
        }
        return [.. yaml.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static YamlMappingNode Template(Manifest workload) => Mapping(Mapping(workload.Root, "spec"), "template");

    private static YamlMappingNode Container(Manifest workload) =>
        (YamlMappingNode)Assert.Single(Sequence(Mapping(Template(workload), "spec"), "containers"));

    private static Dictionary<string, int> ContainerPorts(YamlMappingNode container) =>
        Sequence(container, "ports").Cast<YamlMappingNode>().ToDictionary(p => Scalar(p, "name"), p => Int(p, "containerPort"));

    /// <summary>The container's environment: a literal value, or <c>fieldRef:PATH</c>, <c>secretKeyRef:SECRET/KEY</c>.</summary>
    private static Dictionary<string, string> Environment(YamlMappingNode container) =>
        Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name"), e => e.Children.ContainsKey("value")
            ? Scalar(e, "value")
            : Mapping(e, "valueFrom") is var source && source.Children.ContainsKey("fieldRef")
                ? "fieldRef:" + Scalar(Mapping(source, "fieldRef"), "fieldPath")
                : $"secretKeyRef:{Scalar(Mapping(source, "secretKeyRef"), "name")}/{Scalar(Mapping(source, "secretKeyRef"), "key")}");

    private static string[] Arguments(YamlMappingNode container) => Strings(container, "args");

    /// <summary>
    /// The container's command line as the image runs it (ENTRYPOINT of deploy/docker/Dockerfile, then <c>args</c>), parsed by
    /// this build's command tree: the subcommand, its roles and its data directory.
    /// </summary>
    private static (string Command, string[] Roles, string DataDir) NodeCommandLine(YamlMappingNode container)
    {
        var entrypoint = File.ReadAllLines(CliRun.RepositoryFile("deploy/docker/Dockerfile"))
            .Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..];
        var program = JsonSerializer.Deserialize<string[]>(entrypoint)!;
        string[] args = [.. program[1..], .. Arguments(container)];
        var (_, parse) = ClusterMLApp.Parse(args);
        Assert.True(parse.Errors.Count == 0, $"'{string.Join(' ', args)}': {string.Join("; ", parse.Errors.Select(e => e.Message))}");
        return (parse.CommandResult.Command.Name, Option(args, "--roles").Split(','), Option(args, "--data-dir"));
    }

    private static string MountedVolume(YamlMappingNode container, string mountPath) =>
        Scalar(Sequence(container, "volumeMounts").Cast<YamlMappingNode>().Single(m => Scalar(m, "mountPath") == mountPath), "name");

    private static YamlMappingNode Volume(Manifest workload, string name) =>
        Sequence(Mapping(Template(workload), "spec"), "volumes").Cast<YamlMappingNode>().Single(v => Scalar(v, "name") == name);

    private static Dictionary<string, string> SystemdService()
    {
        var service = new Dictionary<string, string>();
        var inService = false;
        foreach (var line in File.ReadAllLines(CliRun.RepositoryFile("deploy/systemd/clusterml-worker.service")).Select(l => l.Trim()))
        {
            if (line.StartsWith('['))
            {
                inService = line == "[Service]";
            }
            else if (inService && line.Length > 0 && !line.StartsWith('#') && line.IndexOf('=', StringComparison.Ordinal) is > 0 and var at)
            {
                service[line[..at].Trim()] = line[(at + 1)..].Trim();
            }
        }
        return service;
    }

    private static string Option(string[] args, string name)
    {
        var at = Array.IndexOf(args, name);
        Assert.True(at >= 0 && at + 1 < args.Length, $"'{string.Join(' ', args)}' has no {name}");
        return args[at + 1];
    }

    private static double Gibibytes(string quantity) => quantity switch
    {
        _ when quantity.EndsWith("Gi", StringComparison.Ordinal) => double.Parse(quantity[..^2], CultureInfo.InvariantCulture),
        _ when quantity.EndsWith("Mi", StringComparison.Ordinal) => double.Parse(quantity[..^2], CultureInfo.InvariantCulture) / 1024,
        _ when quantity.EndsWith("Ti", StringComparison.Ordinal) => double.Parse(quantity[..^2], CultureInfo.InvariantCulture) * 1024,
        _ => throw new InvalidDataException($"quantity {quantity}: write it in Mi, Gi or Ti"),
    };

    private static YamlMappingNode Mapping(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) && child is YamlMappingNode mapping ? mapping : throw new InvalidDataException($"no mapping '{key}' at line {node.Start.Line}");

    private static YamlSequenceNode Sequence(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) && child is YamlSequenceNode sequence ? sequence : throw new InvalidDataException($"no list '{key}' at line {node.Start.Line}");

    private static string Scalar(YamlMappingNode node, string key) =>
        node.Children.TryGetValue(key, out var child) && child is YamlScalarNode { Value: { } value } ? value : throw new InvalidDataException($"no value '{key}' at line {node.Start.Line}");

    private static int Int(YamlMappingNode node, string key) => int.Parse(Scalar(node, key), CultureInfo.InvariantCulture);

    private static string[] Strings(YamlMappingNode node, string key) => [.. Sequence(node, key).Select(n => ((YamlScalarNode)n).Value!)];
}
