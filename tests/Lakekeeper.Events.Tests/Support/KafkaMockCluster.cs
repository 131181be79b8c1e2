using System.Runtime.InteropServices;
using System.Text;

namespace Lakekeeper.Events.Tests.Support;

/// <summary>
/// librdkafka's built-in mock cluster: in-process brokers that speak the Kafka protocol on loopback
/// ports, driven through librdkafka's own C API (the native library Confluent.Kafka ships), so that
/// the test can inject broker errors and take a broker down. Producers and consumers are the real
/// Confluent.Kafka clients, connected to <see cref="BootstrapServers"/>.
/// </summary>
internal sealed partial class KafkaMockCluster : IDisposable
{
    private const string Library = "librdkafka";
    private const short ProduceApiKey = 0;

    private readonly IntPtr _handle;
    private readonly IntPtr _cluster;

    private KafkaMockCluster(IntPtr handle, IntPtr cluster, string bootstrapServers)
    {
        _handle = handle;
        _cluster = cluster;
        BootstrapServers = bootstrapServers;
    }

    public string BootstrapServers { get; }

    static KafkaMockCluster()
    {
        // The same native library Confluent.Kafka loads: its bundled build for this platform, or the
        // variant without SASL dependencies when those are missing (Debian has libsasl2.so.2, not .so.3).
        NativeLibrary.SetDllImportResolver(typeof(KafkaMockCluster).Assembly, (name, _, _) =>
        {
            if (name != Library)
            {
                return IntPtr.Zero;
            }

            var folder = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-" + RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant(), "native");
            foreach (var candidate in new[] { "librdkafka.so", "centos8-librdkafka.so", "alpine-librdkafka.so" })
            {
                if (NativeLibrary.TryLoad(Path.Combine(folder, candidate), out var handle))
                {
                    return handle;
                }
            }

            return IntPtr.Zero;
        });
    }

    public static KafkaMockCluster Start(int brokers)
    {
        _ = Confluent.Kafka.Library.Version;
        var error = new StringBuilder(512);
        var conf = rd_kafka_conf_new();
        var handle = rd_kafka_new(1 /* RD_KAFKA_CONSUMER: a handle that owns the cluster and does no work */, conf, error, (UIntPtr)error.Capacity);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException("rd_kafka_new failed: " + error);
        }

        var cluster = rd_kafka_mock_cluster_new(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            rd_kafka_destroy(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        return new KafkaMockCluster(handle, cluster, Marshal.PtrToStringUTF8(rd_kafka_mock_cluster_bootstraps(cluster))!);
    }

    public void CreateTopic(string topic, int partitions)
    {
        var result = rd_kafka_mock_topic_create(_cluster, topic, partitions, 1);
        if (result != 0)
        {
            throw new InvalidOperationException($"rd_kafka_mock_topic_create failed with {result}");
        }
    }

    /// <summary>The next Produce requests fail with these Kafka error codes, in order (the producer retries them).</summary>
    public void FailNextProduceRequests(params int[] errorCodes) =>
        rd_kafka_mock_push_request_errors_array(_cluster, ProduceApiKey, (UIntPtr)errorCodes.Length, errorCodes);

    public void BrokerDown(int brokerId) => Check(rd_kafka_mock_broker_set_down(_cluster, brokerId), "rd_kafka_mock_broker_set_down");

    public void BrokerUp(int brokerId) => Check(rd_kafka_mock_broker_set_up(_cluster, brokerId), "rd_kafka_mock_broker_set_up");

    public void Dispose()
    {
        rd_kafka_mock_cluster_destroy(_cluster);
        rd_kafka_destroy(_handle);
    }

    private static void Check(int result, string what)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{what} failed with {result}");
        }
    }

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_conf_new();

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_new(int type, IntPtr conf, StringBuilder errstr, UIntPtr errstrSize);

    [DllImport(Library)]
    private static extern void rd_kafka_destroy(IntPtr rk);

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_mock_cluster_new(IntPtr rk, int brokerCount);

    [DllImport(Library)]
    private static extern void rd_kafka_mock_cluster_destroy(IntPtr cluster);

    [DllImport(Library)]
    private static extern IntPtr rd_kafka_mock_cluster_bootstraps(IntPtr cluster);

    [DllImport(Library)]
    private static extern int rd_kafka_mock_topic_create(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replicationFactor);

    [DllImport(Library)]
    private static extern void rd_kafka_mock_push_request_errors_array(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);

    [DllImport(Library)]
    private static extern int rd_kafka_mock_broker_set_down(IntPtr cluster, int brokerId);

    [DllImport(Library)]
    private static extern int rd_kafka_mock_broker_set_up(IntPtr cluster, int brokerId);
}
