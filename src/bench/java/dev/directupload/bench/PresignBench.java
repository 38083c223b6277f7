package dev.directupload.bench;

import dev.directupload.registry.MemoryRegistry;
import dev.directupload.storage.PresignedPut;
import dev.directupload.storage.S3ObjectStore;
import dev.directupload.upload.Caller;
import dev.directupload.upload.PresignedUpload;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.presigner.S3Presigner;

/**
 * One presigned PUT of the same upload (size, type, checksum, three metadata entries) by: the
 * SDK's S3Presigner, the SDK's lower-level AwsV4HttpSigner, our QuerySigner (through
 * S3ObjectStore), and the floor (a plain signer with everything constant precomputed); then the
 * whole UploadService.presign path (validation, key, signing, registry) on each presigner.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-Xms1g", "-Xmx1g"})
@State(Scope.Thread)
public class PresignBench {
  static final Caller CALLER = Caller.anonymous("127.0.0.1");
  private S3Presigner sdkPresigner;
  private SdkPresignerStore sdkStore;
  private S3ObjectStore leanStore;
  private AwsV4HttpSigner v4Signer;
  private AwsCredentialsIdentity identity;
  private SdkHttpFullRequest v4Request;
  private FloorSigner floor;
  private String[] metaNames;
  private String[] metaValues;
  private UploadService leanService;
  private UploadService sdkService;
  private final UploadRequest request =
      new UploadRequest("holiday photo (1).jpg", "image/jpeg", 3_456_789L, null);

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    sdkPresigner = S3Presigner.builder().region(Region.of(Fixtures.REGION))
        .endpointOverride(URI.create(Fixtures.ENDPOINT))
        .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).build())
        .credentialsProvider(Fixtures.CREDENTIALS).build();
    sdkStore = new SdkPresignerStore(sdkPresigner, Fixtures.BUCKET);
    leanStore = S3ObjectStore.create(Fixtures.settings(), Fixtures.CREDENTIALS);
    v4Signer = AwsV4HttpSigner.create();
    identity = AwsCredentialsIdentity.create(Fixtures.ACCESS_KEY, Fixtures.SECRET_KEY);
    SdkHttpFullRequest.Builder v4 = SdkHttpFullRequest.builder().method(SdkHttpMethod.PUT)
        .protocol("http").host("127.0.0.1").port(9000)
        .encodedPath("/" + Fixtures.BUCKET + "/" + java.net.URLEncoder.encode(Fixtures.KEY,
            StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/"))
        .putHeader("Content-Type", Fixtures.SPEC.contentType())
        .putHeader("Content-Length", Long.toString(Fixtures.SPEC.size()))
        .putHeader("x-amz-checksum-sha256", Fixtures.SPEC.checksumSha256().orElseThrow());
    Fixtures.SPEC.metadata().forEach((k, v) -> v4.putHeader("x-amz-meta-" + k, v));
    v4Request = v4.build();
    floor = new FloorSigner(Instant.now());
    TreeMap<String, String> sorted = new TreeMap<>(Fixtures.SPEC.metadata());
    metaNames = sorted.keySet().toArray(new String[0]);
    metaValues = sorted.values().toArray(new String[0]);
  }

  /** A fresh registry per iteration: the service path adds a pending entry per call. */
  @Setup(Level.Iteration)
  public void freshServices() {
    leanService = new UploadService(Fixtures.settings(), leanStore, new MemoryRegistry(), Clock.systemUTC());
    sdkService = new UploadService(Fixtures.settings(), sdkStore, new MemoryRegistry(), Clock.systemUTC());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    sdkPresigner.close();
    leanStore.close();
  }

  @Benchmark
  public PresignedPut sdkS3Presigner() {
    return sdkStore.presignPut(Fixtures.SPEC);
  }

  @Benchmark
  public PresignedPut leanQuerySigner() {
    return leanStore.presignPut(Fixtures.SPEC);
  }

  @Benchmark
  public URI sdkAwsV4HttpSigner() {
    return v4Signer.sign(r -> r.identity(identity).request(v4Request)
        .putProperty(AwsV4HttpSigner.REGION_NAME, Fixtures.REGION)
        .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "s3")
        .putProperty(AwsV4FamilyHttpSigner.AUTH_LOCATION,
            AwsV4FamilyHttpSigner.AuthLocation.QUERY_STRING)
        .putProperty(AwsV4FamilyHttpSigner.EXPIRATION_DURATION, Duration.ofMinutes(15))
        .putProperty(AwsV4FamilyHttpSigner.PAYLOAD_SIGNING_ENABLED, false)
        .putProperty(AwsV4FamilyHttpSigner.DOUBLE_URL_ENCODE, false)
        .putProperty(AwsV4FamilyHttpSigner.NORMALIZE_PATH, false))
        .request().getUri();
  }

  @Benchmark
  public String floorPlainSigner() throws Exception {
    return floor.sign(Fixtures.KEY, Fixtures.SPEC.contentType(), Fixtures.SPEC.size(),
        Fixtures.SPEC.checksumSha256().orElseThrow(), metaNames, metaValues,
        System.currentTimeMillis() / 1000, 900);
  }

  @Benchmark
  public PresignedUpload servicePresignLean() {
    return leanService.presign(CALLER, request);
  }

  @Benchmark
  public PresignedUpload servicePresignSdk() {
    return sdkService.presign(CALLER, request);
  }
}
