package dev.directupload.storage;

import dev.directupload.config.Settings;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.HttpExecuteRequest;
import software.amazon.awssdk.http.HttpExecuteResponse;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.ChecksumAlgorithm;
import software.amazon.awssdk.services.s3.model.ChecksumMode;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectCannedACL;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The bucket through AWS SDK v2. One {@link S3Client}, created once and closed with the
 * application (it holds a connection pool). Presigning is ours ({@link QuerySigner}): the SDK's
 * presigner costs about 20 times as much per URL for the same bytes.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {
  private static final System.Logger LOG = System.getLogger(S3ObjectStore.class.getName());
  /** HeadObject calls in flight while rebuilding the index: enough to hide latency, polite to S3. */
  private static final int LISTING_PARALLELISM = 8;
  /**
   * Joining the parts of a large upload can take S3 minutes (it keeps the connection alive with
   * whitespace meanwhile), far beyond {@code storage-timeout}; a retry in the middle would only
   * find the upload gone. The socket timeout still catches a store that stops answering.
   */
  private static final Duration JOIN_TIMEOUT = Duration.ofMinutes(15);

  private final S3Client s3;
  private final QuerySigner signer;
  private final PostPolicySigner postSigner;
  private final String bucket;
  /** The S3 client's HTTP client, also used for the CORS preflight (the SDK has no call for it). */
  private final SdkHttpClient http;

  S3ObjectStore(S3Client s3, QuerySigner signer, PostPolicySigner postSigner,
      SdkHttpClient http, String bucket) {
    this.s3 = s3;
    this.http = http;
    this.signer = signer;
    this.postSigner = postSigner;
    this.bucket = bucket;
  }

  /** Builds the client and presigner the settings describe, with these credentials. */
  public static S3ObjectStore create(Settings settings, AwsCredentialsProvider credentials) {
    Region region = settings.region().map(Region::of).orElseGet(S3ObjectStore::regionFromChain);
    // One call may retry (the SDK's standard mode: 3 attempts with backoff); each attempt gets a
    // third of the call's time, so a hanging store is given up on instead of holding a thread.
    Duration callTimeout = settings.storageTimeout();
    Duration attemptTimeout = callTimeout.dividedBy(3);
    Duration connectTimeout = attemptTimeout.compareTo(Duration.ofSeconds(5)) < 0
        ? attemptTimeout : Duration.ofSeconds(5);
    // Ours to close: the SDK does not close an HTTP client it was handed, and one left open
    // keeps its idle-connection-reaper thread alive after an undeploy.
    SdkHttpClient http = Apache5HttpClient.builder()
        .connectionTimeout(connectTimeout)
        .socketTimeout(attemptTimeout)
        .maxConnections(64)
        .build();
    S3Configuration s3Config = S3Configuration.builder()
        .pathStyleAccessEnabled(settings.pathStyle())
        .build();
    var clientBuilder = S3Client.builder()
        .region(region)
        .credentialsProvider(credentials)
        .serviceConfiguration(s3Config)
        // Checksums only where S3 requires them: S3-compatible stores (R2, older MinIO, Ceph)
        // reject the SDK's newer default trailing checksums.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .httpClient(http)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .apiCallAttemptTimeout(attemptTimeout)
            .apiCallTimeout(callTimeout)
            .build());
    settings.endpoint().ifPresent(clientBuilder::endpointOverride);
    S3Client s3 = clientBuilder.build();
    // The SDK signs the pseudo-region aws-global as us-east-1; so must we.
    String signingRegion = region.equals(Region.AWS_GLOBAL) ? "us-east-1" : region.id();
    URI base = objectUrlBase(s3, settings.bucket());
    AwsCredentialsProvider cached = new BriefCredentialsCache(credentials);
    QuerySigner signer = new QuerySigner(base, signingRegion, cached, Clock.systemUTC());
    PostPolicySigner postSigner = new PostPolicySigner(base, settings.bucket(), signingRegion,
        cached, Clock.systemUTC());
    return new S3ObjectStore(s3, signer, postSigner, http, settings.bucket());
  }

  /**
   * Where this bucket's objects live ("https://bucket.s3.region.amazonaws.com/",
   * "http://127.0.0.1:9000/bucket/"), resolved once by the SDK's own endpoint rules (endpoint
   * override, path style, partition), so our signer never second-guesses them.
   */
  static URI objectUrlBase(S3Client s3, String bucket) {
    String probe = "k";
    String url = toUri(s3.utilities().getUrl(r -> r.bucket(bucket).key(probe))).toString();
    if (!url.endsWith("/" + probe)) {
      throw new IllegalStateException("The SDK gave an unexpected object URL: " + url);
    }
    return URI.create(url.substring(0, url.length() - probe.length()));
  }

  /** The SDK's chain (system property, environment, profile, instance metadata), else us-east-1. */
  private static Region regionFromChain() {
    try {
      return DefaultAwsRegionProviderChain.builder().build().getRegion();
    } catch (SdkException e) {
      LOG.log(System.Logger.Level.INFO, "No region configured; using us-east-1");
      return Region.US_EAST_1;
    }
  }

  @Override
  public PresignedPut presignPut(PutSpec spec) {
    try {
      return signer.presignPut(spec);
    } catch (SdkException e) {
      throw failure("signing an upload", e);
    }
  }

  @Override
  public PresignedPost presignPost(PostSpec spec) {
    try {
      return postSigner.presignPost(spec);
    } catch (SdkException e) {
      throw failure("signing a form upload", e);
    }
  }

  @Override
  public String startMultipart(MultipartSpec spec) {
    try {
      String uploadId = s3.createMultipartUpload(r -> {
        r.bucket(bucket).key(spec.key()).contentType(spec.contentType())
            .metadata(spec.metadata());
        if (spec.partChecksums()) {
          r.checksumAlgorithm(ChecksumAlgorithm.SHA256);
        }
        spec.contentDisposition().ifPresent(r::contentDisposition);
        if (spec.publicRead()) {
          r.acl(ObjectCannedACL.PUBLIC_READ);
        }
      }).uploadId();
      if (uploadId == null || uploadId.isEmpty()) {
        throw incomplete("starting a multipart upload");
      }
      return uploadId;
    } catch (SdkException e) {
      throw failure("starting a multipart upload", e);
    }
  }

  @Override
  public PresignedPut presignPart(PartSpec spec) {
    try {
      return signer.presignPart(spec);
    } catch (SdkException e) {
      throw failure("signing a part", e);
    }
  }

  @Override
  public Optional<List<StoredPart>> listParts(String key, String uploadId) {
    List<StoredPart> parts = new ArrayList<>();
    try {
      for (var page : s3.listPartsPaginator(r -> r.bucket(bucket).key(key).uploadId(uploadId))) {
        if (!bucket.equals(page.bucket())) {
          throw incomplete("listing the parts of an upload");
        }
        for (var part : page.parts()) {
          parts.add(new StoredPart(part.partNumber(), part.size(), part.eTag(),
              Optional.ofNullable(part.checksumSHA256())));
        }
      }
      return Optional.of(parts);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("listing the parts of an upload", e);
    } catch (SdkException e) {
      throw failure("listing the parts of an upload", e);
    }
  }

  @Override
  public boolean completeMultipart(String key, String uploadId, List<StoredPart> parts,
      boolean writeOnce) {
    List<CompletedPart> completed = new ArrayList<>(parts.size());
    for (StoredPart part : parts) {
      completed.add(CompletedPart.builder().partNumber(part.partNumber()).eTag(part.etag())
          .checksumSHA256(part.checksumSha256().orElse(null)).build());
    }
    try {
      var answer = s3.completeMultipartUpload(r -> {
        r.bucket(bucket).key(key).uploadId(uploadId)
            .multipartUpload(m -> m.parts(completed))
            .overrideConfiguration(o -> o.apiCallTimeout(JOIN_TIMEOUT)
                .apiCallAttemptTimeout(JOIN_TIMEOUT));
        if (writeOnce) {
          r.ifNoneMatch("*");
        }
      });
      if (answer.eTag() == null) {
        throw incomplete("completing a multipart upload");
      }
      return true;
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return false;
      }
      throw failure("completing a multipart upload", e);
    } catch (SdkException e) {
      throw failure("completing a multipart upload", e);
    }
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    try {
      s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw failure("aborting a multipart upload", e);
      }
    } catch (SdkException e) {
      throw failure("aborting a multipart upload", e);
    }
  }

  @Override
  public void forEachOpenMultipart(String prefix, Consumer<OpenMultipart> sink) {
    try {
      for (var page : s3.listMultipartUploadsPaginator(r -> r.bucket(bucket).prefix(prefix))) {
        if (!bucket.equals(page.bucket())) {
          throw incomplete("listing unfinished uploads");
        }
        for (var upload : page.uploads()) {
          sink.accept(new OpenMultipart(upload.key(), upload.uploadId(), upload.initiated()));
        }
      }
    } catch (SdkException e) {
      throw failure("listing unfinished uploads", e);
    }
  }

  @Override
  public URI presignGet(String key, String contentDisposition, String contentType, Duration expiry) {
    try {
      return signer.presignGet(key, contentDisposition, contentType, expiry);
    } catch (SdkException e) {
      throw failure("signing a download", e);
    }
  }

  @Override
  public URI publicUrl(String key) {
    return toUri(s3.utilities().getUrl(r -> r.bucket(bucket).key(key)));
  }

  @Override
  public Optional<StoredObject> head(String key) {
    try {
      HeadObjectResponse head = s3.headObject(
          r -> r.bucket(bucket).key(key).checksumMode(ChecksumMode.ENABLED));
      if (head.contentLength() == null || head.lastModified() == null) {
        // A connection cut right after the status line parses as an empty 200: never take
        // that for an object's description.
        throw incomplete("reading object metadata");
      }
      return Optional.of(new StoredObject(key, head.contentLength(), head.contentType(),
          head.lastModified(), head.metadata(), Optional.ofNullable(head.checksumSHA256()),
          Optional.ofNullable(head.eTag()), servingHeaders(head)));
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("reading object metadata", e);
    } catch (SdkException e) {
      throw failure("reading object metadata", e);
    }
  }

  /** What the object carries that changes how it is served; see {@link StoredObject}. */
  private static Map<String, String> servingHeaders(HeadObjectResponse head) {
    Map<String, String> headers = new LinkedHashMap<>();
    putIfSet(headers, "content-encoding", head.contentEncoding());
    putIfSet(headers, "cache-control", head.cacheControl());
    putIfSet(headers, "content-disposition", head.contentDisposition());
    putIfSet(headers, "x-amz-website-redirect-location", head.websiteRedirectLocation());
    String storageClass = head.storageClassAsString();
    if (storageClass != null && !storageClass.isEmpty() && !storageClass.equals("STANDARD")) {
      headers.put("x-amz-storage-class", storageClass);
    }
    return headers;
  }

  private static void putIfSet(Map<String, String> headers, String name, String value) {
    if (value != null && !value.isEmpty()) {
      headers.put(name, value);
    }
  }

  @Override
  public Optional<byte[]> readFirstBytes(String key, int max) {
    try {
      var answer = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key)
          .range("bytes=0-" + (max - 1)));
      byte[] body = answer.asByteArray();
      Long length = answer.response().contentLength();
      if (length == null || length != body.length || body.length > max) {
        throw incomplete("reading the start of an object");
      }
      return Optional.of(body);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      if (e.statusCode() == 416) {
        return Optional.of(new byte[0]); // an empty object has no byte 0
      }
      throw failure("reading the start of an object", e);
    } catch (SdkException e) {
      throw failure("reading the start of an object", e);
    }
  }

  @Override
  public Optional<Boolean> isPubliclyReadable(String key) {
    try {
      var acl = s3.getObjectAcl(r -> r.bucket(bucket).key(key));
      boolean open = acl.grants().stream().anyMatch(g -> g.grantee() != null
          && g.grantee().uri() != null
          && (g.grantee().uri().endsWith("/global/AllUsers")
              || g.grantee().uri().endsWith("/global/AuthenticatedUsers"))
          && (g.permissionAsString().equals("READ")
              || g.permissionAsString().equals("FULL_CONTROL")));
      return Optional.of(open);
    } catch (S3Exception e) {
      // No ACLs on this store (R2 answers 501), or the policy does not grant s3:GetObjectAcl.
      if (e.statusCode() == 400 || e.statusCode() == 403 || e.statusCode() == 404
          || e.statusCode() == 501) {
        return Optional.empty();
      }
      throw failure("reading an object's ACL", e);
    } catch (SdkException e) {
      throw failure("reading an object's ACL", e);
    }
  }

  @Override
  public void delete(String key) {
    try {
      s3.deleteObject(r -> r.bucket(bucket).key(key));
      // DeleteObject's answer has no body to tell a real success from a cut connection; S3 is
      // strongly consistent, so one HeadObject proves the object is gone.
      if (head(key).isPresent()) {
        throw new StorageException("the object was still there after deleting it", null);
      }
    } catch (S3Exception e) {
      if (e.statusCode() != 404) {
        throw failure("deleting an object", e);
      }
    } catch (SdkException e) {
      throw failure("deleting an object", e);
    }
  }

  @Override
  public void forEachObject(String prefix, Consumer<StoredObject> sink) {
    ExecutorService pool = Executors.newFixedThreadPool(LISTING_PARALLELISM, r -> {
      Thread t = new Thread(r, "direct-upload-listing");
      t.setDaemon(true);
      return t;
    });
    try {
      for (var page : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix))) {
        if (!bucket.equals(page.name())) {
          // An empty page from a cut connection would rebuild an index without the files.
          throw incomplete("listing the bucket");
        }
        List<CompletableFuture<Optional<StoredObject>>> heads = new ArrayList<>();
        for (S3Object object : page.contents()) {
          if (object.key().startsWith(".", prefix.length())) {
            continue; // our own records, not uploads
          }
          heads.add(CompletableFuture.supplyAsync(() -> head(object.key()), pool));
        }
        for (var head : heads) {
          // An object deleted between the listing and its HeadObject is simply skipped.
          head.join().ifPresent(sink);
        }
      }
    } catch (CompletionException e) {
      throw e.getCause() instanceof StorageException s ? s : e;
    } catch (SdkException e) {
      throw failure("listing the bucket", e);
    } finally {
      pool.shutdownNow();
    }
  }

  @Override
  public void forEachListed(String prefix, String startAfter, String lastKey,
      Consumer<ListedObject> sink) {
    try {
      for (var page : s3.listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)
          .startAfter(startAfter.isEmpty() ? null : startAfter))) {
        if (!bucket.equals(page.name())) {
          throw incomplete("listing the bucket");
        }
        for (S3Object object : page.contents()) {
          if (lastKey != null && object.key().compareTo(lastKey) > 0) {
            return;
          }
          if (object.size() == null || object.lastModified() == null) {
            throw incomplete("listing the bucket");
          }
          sink.accept(new ListedObject(object.key(), object.size(),
              Optional.ofNullable(object.eTag()), object.lastModified()));
        }
      }
    } catch (SdkException e) {
      throw failure("listing the bucket", e);
    }
  }

  @Override
  public Optional<StoredObject> findFirst(String prefix) {
    try {
      var page = s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix).maxKeys(1));
      if (!bucket.equals(page.name())) {
        throw incomplete("looking for an object");
      }
      return page.contents().isEmpty() ? Optional.empty() : head(page.contents().get(0).key());
    } catch (SdkException e) {
      throw failure("looking for an object", e);
    }
  }

  @Override
  public void forEachKey(String prefix, String startAfter, Consumer<String> sink) {
    try {
      for (var page : s3.listObjectsV2Paginator(
          r -> r.bucket(bucket).prefix(prefix).startAfter(startAfter))) {
        if (!bucket.equals(page.name())) {
          throw incomplete("listing the bucket");
        }
        page.contents().forEach(object -> sink.accept(object.key()));
      }
    } catch (SdkException e) {
      throw failure("listing the bucket", e);
    }
  }

  @Override
  public void putRecord(String key, byte[] body) {
    try {
      if (s3.putObject(r -> r.bucket(bucket).key(key).contentType("text/plain; charset=utf-8"),
          RequestBody.fromBytes(body)).eTag() == null) {
        throw incomplete("writing a record");
      }
    } catch (SdkException e) {
      throw failure("writing a record", e);
    }
  }

  @Override
  public Optional<byte[]> getRecord(String key) {
    try {
      var answer = s3.getObjectAsBytes(r -> r.bucket(bucket).key(key));
      Long length = answer.response().contentLength();
      byte[] body = answer.asByteArray();
      if (length == null || length != body.length) {
        throw incomplete("reading a record");
      }
      return Optional.of(body);
    } catch (S3Exception e) {
      if (e.statusCode() == 404) {
        return Optional.empty();
      }
      throw failure("reading a record", e);
    } catch (SdkException e) {
      throw failure("reading a record", e);
    }
  }

  @Override
  public void checkBucket(String prefix) {
    try {
      // A one-key listing rather than HeadBucket: its answer names the bucket, so a connection
      // cut after the status line (an empty "200") is not mistaken for a healthy store. Under
      // the prefix, so that a policy allowing s3:ListBucket only there passes.
      String listed = s3.listObjectsV2(r -> r.bucket(bucket).prefix(prefix).maxKeys(1)).name();
      if (!bucket.equals(listed)) {
        throw incomplete("checking the bucket");
      }
    } catch (SdkException e) {
      throw failure("checking the bucket", e);
    }
  }

  @Override
  public PreflightAnswer corsPreflight(String key, String origin, List<String> headers) {
    SdkHttpFullRequest request = SdkHttpFullRequest.builder()
        .uri(publicUrl(key))
        .method(SdkHttpMethod.OPTIONS)
        .putHeader("Origin", origin)
        .putHeader("Access-Control-Request-Method", "PUT")
        .putHeader("Access-Control-Request-Headers", String.join(",", headers))
        .build();
    try {
      HttpExecuteResponse response = http.prepareRequest(
          HttpExecuteRequest.builder().request(request).build()).call();
      response.responseBody().ifPresent(S3ObjectStore::closeQuietly);
      Map<String, String> answer = new LinkedHashMap<>();
      response.httpResponse().headers().forEach((name, values) ->
          answer.put(name.toLowerCase(java.util.Locale.ROOT), String.join(",", values)));
      return new PreflightAnswer(response.httpResponse().statusCode(), answer);
    } catch (IOException e) {
      throw new StorageException("the store did not answer a CORS preflight", e);
    }
  }

  private static void closeQuietly(java.io.InputStream body) {
    try {
      body.close();
    } catch (IOException e) {
      // The answer is in the headers; a body that fails to close only costs a connection.
    }
  }

  /** An answer that parsed but lacks what every real answer has: a cut connection. */
  private static StorageException incomplete(String action) {
    return new StorageException("the store gave an incomplete answer while " + action, null);
  }

  /** Our own words for the caller, the SDK's in the cause for the log. */
  private StorageException failure(String action, SdkException e) {
    String what;
    if (e instanceof S3Exception s3e) {
      what = switch (s3e.statusCode()) {
        case 403 -> "access denied to bucket '" + bucket + "'";
        case 404 -> "bucket '" + bucket + "' does not exist";
        default -> "the store answered HTTP " + s3e.statusCode();
      };
    } else if (e.getMessage() != null && e.getMessage().contains("credentials")) {
      what = "no AWS credentials could be loaded";
    } else {
      what = "the store did not answer";
    }
    return new StorageException(what + " while " + action, e);
  }

  private static URI toUri(java.net.URL url) {
    try {
      return url.toURI();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("The SDK produced an invalid URL", e);
    }
  }

  @Override
  public void close() {
    s3.close();
    http.close();
  }
}
