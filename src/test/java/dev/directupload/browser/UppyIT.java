package dev.directupload.browser;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.local.LocalApp;
import dev.directupload.local.LocalS3;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.eclipse.jetty.server.Server;
import org.gaul.s3proxy.CrossOriginResourceSharing;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.blobstore.BlobStore;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.openqa.selenium.chromium.ChromiumNetworkConditions;
import org.openqa.selenium.logging.LogEntry;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * Real Uppy, both majors as npm publishes them ({@code uppy} 5.2.4 with {@code endpoint},
 * 6.0.1 with {@code companionEndpoint}), uploads through the app's Companion-compatible
 * {@code s3/} routes from a page of another origin listed in {@code allowed-origins}: a small
 * file goes as a signed POST form that the app notices and lists by itself within 10 s, a file
 * over 5 MiB goes in two parts, a paused one resumes, a cancelled one leaves nothing pending, and
 * what is stored is byte for byte what Uppy sent. What the app refuses reaches the user in Uppy
 * (5.x in the app's words, 6.x as the status text only), and Uppy's restrictions filled from
 * {@code api/config} refuse the same files before any request. A page of an origin that is not
 * listed cannot upload at all. The bucket's CORS rule is the one the README gives for Uppy: the
 * page's origins, {@code PUT} and {@code POST}, {@code ETag} and {@code Location} exposed.
 *
 * <p>One browser, one app and one store serve the whole class; each test opens the page afresh.
 */
class UppyIT {
  private static final String CONTEXT = "/direct-upload";
  private static final String BUCKET = "uppy-tests";
  private static final int MIB = 1 << 20;
  private static final Gson GSON = new Gson();

  private static S3Proxy store;
  private static S3Client s3;
  private static Server app;
  private static String base;
  private static UppyPage pages;
  /** The page's origin that the app allows, and one of the same server that it does not. */
  private static String allowedOrigin;
  private static String otherOrigin;
  private static Chromium browser;
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5))
      .followRedirects(HttpClient.Redirect.NORMAL)
      .build();

  /** Console errors the current test causes on purpose. */
  private Predicate<LogEntry> deliberate = entry -> false;
  /** The app's pending uploads when the current test began. */
  private int pendingBefore;

  @BeforeAll
  static void start() throws Exception {
    pages = UppyPage.start();
    allowedOrigin = pages.origin("127.0.0.1");
    otherOrigin = pages.origin("localhost");
    BlobStore blobs = new TransientNio2BlobStore();
    blobs.createContainer(BUCKET);
    // The bucket lets both page origins in: what keeps the other one out is the app alone.
    store = S3Proxy.builder()
        .blobStore(blobs)
        .endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V4, LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY)
        .corsRules(new CrossOriginResourceSharing(
            List.of(Pattern.quote(allowedOrigin), Pattern.quote(otherOrigin)),
            List.of("PUT", "POST"),
            List.of("content-type", "x-amz-checksum-sha256", "x-amz-acl"),
            List.of("ETag", "Location"),
            "false"))
        .build();
    store.start();
    awaitStarted(store);
    URI endpoint = URI.create("http://127.0.0.1:" + store.getPort());
    s3 = S3Client.builder()
        .endpointOverride(endpoint)
        .region(Region.of(LocalS3.REGION))
        .forcePathStyle(true)
        .credentialsProvider(StaticCredentialsProvider.create(
            AwsBasicCredentials.create(LocalS3.ACCESS_KEY, LocalS3.SECRET_KEY)))
        .build();
    app = LocalApp.newServer(0, CONTEXT, Map.of(
        "direct-upload.bucket", BUCKET,
        "direct-upload.endpoint", endpoint.toString(),
        "direct-upload.region", LocalS3.REGION,
        "direct-upload.path-style", "true",
        "direct-upload.allowed-origins", allowedOrigin,
        "direct-upload.max-file-size", "6MiB"));
    app.start();
    base = LocalApp.url(app, CONTEXT);
    browser = Chromium.start(1100, 900);
  }

  private static void awaitStarted(S3Proxy proxy) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!"STARTED".equals(proxy.getState())) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("S3Proxy did not start within 10 s: " + proxy.getState());
      }
      LockSupport.parkNanos(1_000_000L);
    }
  }

  /** Stops all of it, each even if another failed to stop. */
  @AfterAll
  static void stop() throws Exception {
    Exception first = null;
    for (AutoCloseable each : new AutoCloseable[] {browser, s3, pages,
        app == null ? null : app::stop, store == null ? null : store::stop}) {
      try {
        if (each != null) {
          each.close();
        }
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @BeforeEach
  void notePending() throws Exception {
    pendingBefore = pending();
  }

  @AfterEach
  void consoleHasNoUndeclaredErrors() {
    browser.assertNoConsoleErrors(deliberate);
  }

  /** The browser's own line for a request the server refused or CORS blocked, and Uppy's logs. */
  private void expectConsoleErrors(String... fragments) {
    deliberate = e -> List.of(fragments).stream().anyMatch(f -> e.getMessage().contains(f));
  }

  // ---------------------------------------------------------------------------------------------

  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void smallFileGoesAsAFormAndIsListedWithItsExactBytes(int major) throws Exception {
    String name = "notes-" + major + ".txt";
    byte[] bytes = UppyPage.bytes(3000, 11 * major, true);
    open(allowedOrigin, major, false);

    Outcome outcome = send(new FileSpec(name, "text/plain", 3000, 11 * major, true,
        Map.of("caption", "lake-view")));

    assertEquals(List.of(name), outcome.successful(), "Uppy's result: " + outcome);
    JsonObject file = awaitListed(name);
    assertEquals(bytes.length, file.get("size").getAsLong());
    assertArrayEquals(bytes, download(file.get("id").getAsString()), "the bytes stored");
    HeadObjectResponse head = s3.headObject(b -> b.bucket(BUCKET).key(keyOf(file)));
    assertEquals("lake-view", head.metadata().get("caption"), "Uppy's meta field, stored");
    assertEquals(pendingBefore, pending(), "nothing pending once the app noticed the object");
    if (major == 5) {
      // 5.x reads the Location header of a POST's answer; S3Proxy sends none (S3 does).
      expectConsoleErrors("Could not read the Location header");
    }
  }

  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void fileOverFiveMebibytesGoesInTwoPartsAndIsListedWithItsExactBytes(int major)
      throws Exception {
    String name = "film-" + major + ".mp4";
    int size = 5 * MIB + 300_000;
    byte[] bytes = UppyPage.bytes(size, 13 * major, false);
    open(allowedOrigin, major, false);

    Outcome outcome = send(new FileSpec(name, "video/mp4", size, 13 * major, false, Map.of()));

    assertEquals(List.of(name), outcome.successful(), "Uppy's result: " + outcome);
    JsonObject file = listed(name).orElseThrow(() ->
        new AssertionError(name + " is not listed right after Uppy's complete"));
    assertEquals(size, file.get("size").getAsLong());
    assertArrayEquals(bytes, download(file.get("id").getAsString()), "the bytes stored");
    String etag = s3.headObject(b -> b.bucket(BUCKET).key(keyOf(file))).eTag();
    assertTrue(etag.endsWith("-2\""), "expected the ETag of a 2-part upload but was " + etag);
    assertEquals(pendingBefore, pending(), "no upload left pending");
  }

  /**
   * A multipart upload paused half way and resumed is listed whole: on resume Uppy asks the app
   * which parts the store holds ({@code GET s3/multipart/{id}?key}) and sends the rest.
   */
  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void pausedMultipartUploadResumesAndIsListedWithItsExactBytes(int major) throws Exception {
    String name = "paused-" + major + ".mp4";
    int size = 5 * MIB + 400_000;
    byte[] bytes = UppyPage.bytes(size, 17 * major, false);
    open(allowedOrigin, major, false);
    slowUploads();
    try {
      start(new FileSpec(name, "video/mp4", size, 17 * major, false, Map.of()));
      awaitBytesSent(name);
      browser.js("uppy.pauseResume(uppy.getFiles()[0].id)");
      browser.waitUntil("the file to be paused",
          d -> browser.js("return uppy.getFiles()[0].isPaused === true || null"));
    } finally {
      fastUploads();
    }
    browser.js("uppy.pauseResume(uppy.getFiles()[0].id)");
    Outcome outcome = awaitOutcome();

    assertEquals(List.of(name), outcome.successful(), "Uppy's result: " + outcome);
    JsonObject file = listed(name).orElseThrow(() -> new AssertionError(name + " not listed"));
    assertArrayEquals(bytes, download(file.get("id").getAsString()), "the bytes stored");
    String id = file.get("id").getAsString();
    assertTrue(requested().stream().anyMatch(url -> url.startsWith(base + "s3/multipart/" + id
        + "?key=")), "expected Uppy to list the stored parts on resume; it requested "
        + requested());
    assertEquals(pendingBefore, pending(), "no upload left pending");
  }

  /**
   * Cancelling a multipart upload in Uppy aborts it on the server ({@code DELETE
   * s3/multipart/{id}?key}): nothing stays pending, nothing is listed.
   */
  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void cancelledMultipartUploadLeavesNothingPending(int major) throws Exception {
    String name = "cancelled-" + major + ".mp4";
    open(allowedOrigin, major, false);
    slowUploads();
    try {
      start(new FileSpec(name, "video/mp4", 5 * MIB + 500_000, 19, false, Map.of()));
      awaitBytesSent(name);
      assertEquals(pendingBefore + 1, pending(), "pending while it goes up");
      browser.js("uppy.cancelAll()");
    } finally {
      fastUploads();
    }
    long deadline = System.nanoTime() + Chromium.WAIT.toNanos();
    while (pending() != pendingBefore) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("expected " + pendingBefore + " pending uploads after Uppy's"
            + " cancel but there are " + pending());
      }
      LockSupport.parkNanos(50_000_000L);
    }
    assertEquals(Optional.empty(), listed(name), "not listed");
    assertEquals(List.of(), objectsNamed(name), "nothing stored");
  }

  @Test
  void uppy5ShowsTheAppsMessageForATypeItRefuses() throws Exception {
    String message = refusal("setup.exe", "application/x-msdownload");
    assertTrue(message.startsWith("files of type application/x-msdownload are not allowed"),
        message);
    open(allowedOrigin, 5, false);

    Outcome outcome = send(new FileSpec("setup.exe", "application/x-msdownload", 2000, 3, false,
        Map.of()));

    assertFailed(outcome, Map.of("setup.exe", message));
    assertEquals(pendingBefore, pending(), "no upload left pending");
    expectConsoleErrors("400 (Bad Request)", message);
  }

  /**
   * Uppy 6 never reads the body of a failed answer: the user gets the reason phrase of the status
   * line, which Jetty sends over HTTP/1.1 ("Bad Request").
   */
  @Test
  void uppy6ShowsOnlyTheStatusTextForATypeItRefuses() throws Exception {
    open(allowedOrigin, 6, false);

    Outcome outcome = send(new FileSpec("setup.exe", "application/x-msdownload", 2000, 3, false,
        Map.of()));

    assertFailed(outcome, Map.of("setup.exe", "Companion request failed: Bad Request"));
    assertEquals(pendingBefore, pending(), "no upload left pending");
    expectConsoleErrors("400 (Bad Request)", "Companion request failed: Bad Request");
  }

  /**
   * Uppy's own restrictions, filled from the app's {@code api/config}, refuse a type the app
   * refuses and a file over {@code max-file-size} as the file is added, in Uppy's words and in
   * either major, before any request.
   */
  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void restrictionsFromTheAppsConfigRefuseTypeAndSizeBeforeAnyRequest(int major)
      throws Exception {
    String types = String.join(", ", get("api/config").getAsJsonArray("allowedTypes").asList()
        .stream().map(JsonElement::getAsString).toList());
    open(allowedOrigin, major, true);

    Outcome refusedType = send(new FileSpec("setup.exe", "application/x-msdownload", 2000, 3,
        false, Map.of()));
    Outcome refusedSize = send(new FileSpec("huge.mp4", "video/mp4", 7 * MIB, 3, false,
        Map.of()));

    assertEquals("You can only upload: " + types, refusedType.thrown());
    assertEquals("huge.mp4 exceeds maximum allowed size of 6 MB", refusedSize.thrown());
    assertEquals(List.of(new Named("setup.exe", "You can only upload: " + types),
        new Named("huge.mp4", "huge.mp4 exceeds maximum allowed size of 6 MB")),
        log().restrictions(), "restriction-failed");
    assertEquals(pendingBefore, pending(), "nothing asked of the app");
  }

  /**
   * Uppy does not say a file's size, so a multipart upload over {@code max-file-size} is caught
   * when it completes: the parts are dropped, nothing is listed, and Uppy reports the failure
   * (5.x in the app's words).
   */
  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void fileOverMaxFileSizeIsDroppedAtCompleteAndUppyReportsIt(int major) throws Exception {
    String name = "huge-" + major + ".mp4";
    open(allowedOrigin, major, false);

    Outcome outcome = send(new FileSpec(name, "video/mp4", 7 * MIB, 3, false, Map.of()));

    String expected = major == 5
        ? "the parts hold 7 MiB but at most 6 MiB is allowed; the upload was cancelled"
        : "Companion request failed: Bad Request";
    assertFailed(outcome, Map.of(name, expected));
    assertEquals(Optional.empty(), listed(name), "not listed");
    assertEquals(pendingBefore, pending(), "no upload left pending");
    assertEquals(List.of(), objectsNamed(name), "nothing stored");
    // 5.x aborts after any error (and would leave a failed abort uncaught): the app answers
    // the abort of the upload it already dropped as done.
    expectConsoleErrors("400 (Bad Request)", expected);
  }

  /**
   * A page whose origin is not in {@code allowed-origins} gets no CORS answer from the app, so
   * its Uppy cannot even ask for a form or start a multipart upload, although the bucket would
   * take its bytes: nothing is pending, nothing listed.
   */
  @ParameterizedTest(name = "uppy {0}")
  @ValueSource(ints = {5, 6})
  void pageOfAnOriginNotInAllowedOriginsCannotUpload(int major) throws Exception {
    String small = "blocked-" + major + ".txt";
    String large = "blocked-" + major + ".mp4";
    open(otherOrigin, major, false);

    Outcome outcome = send(new FileSpec(small, "text/plain", 3000, 5, true, Map.of()),
        new FileSpec(large, "video/mp4", 5 * MIB + 1000, 6, false, Map.of()));

    String endpoint = base + "s3/";
    assertFailed(outcome, major == 5
        ? Map.of(small, "Could not GET " + endpoint + "params?filename=" + small
            + "&type=text%2Fplain&metadata%5Bname%5D=" + small + "&metadata%5Btype%5D=text%2Fplain",
            large, "Could not POST " + endpoint + "multipart")
        : Map.of(small, "Failed to fetch", large, "Failed to fetch"));
    assertEquals(Optional.empty(), listed(small), "not listed");
    assertEquals(Optional.empty(), listed(large), "not listed");
    assertEquals(pendingBefore, pending(), "no upload left pending");
    expectConsoleErrors("blocked by CORS policy", "net::ERR_FAILED", "Could not ",
        "Failed to fetch");
  }

  // ---------------------------------------------------------------------------------------------

  private static void open(String origin, int major, boolean restrict) {
    browser.driver.get(UppyPage.url(origin, major, base.substring(0, base.length() - 1),
        restrict));
    browser.waitUntil("the page to load Uppy " + major,
        d -> browser.js("return document.body.dataset.ready || null"));
  }

  /** A file the page makes with {@link UppyPage#bytes} and hands to Uppy with {@code meta}. */
  record FileSpec(String name, String type, int size, int seed, boolean text,
      Map<String, String> meta) {}

  record Failure(String name, String error) {}

  /** Uppy's result of {@code upload()}, or what {@code addFile} threw. */
  record Outcome(List<String> successful, List<Failure> failed, String thrown) {}

  record Named(String name, String message) {}

  /** One of Uppy's toasts. */
  record Info(String message, String details) {}

  /** What the page noted of Uppy's events: upload-error, restriction-failed, info-visible. */
  record Log(List<Failure> errors, List<Named> restrictions, List<Info> infos) {}

  /** Hands the page {@code files} and waits for Uppy's result. */
  private static Outcome send(FileSpec... files) {
    start(files);
    return awaitOutcome();
  }

  private static void start(FileSpec... files) {
    browser.js("window.send(arguments[0])", GSON.fromJson(GSON.toJson(files), List.class));
  }

  private static Outcome awaitOutcome() {
    Object result = browser.waitUntil("Uppy to finish", d -> browser.js(
        "return window.outcome ? JSON.stringify(window.outcome) : null"));
    return GSON.fromJson((String) result, Outcome.class);
  }

  /** Uploads from the page go at 1 MB/s, so that a test can act while one is under way. */
  private static void slowUploads() {
    ChromiumNetworkConditions slow = new ChromiumNetworkConditions();
    slow.setUploadThroughput(1_000_000);
    browser.driver.setNetworkConditions(slow);
  }

  private static void fastUploads() {
    browser.driver.deleteNetworkConditions();
  }

  /** Waits until Uppy reports some of {@code name}'s bytes sent. */
  private static void awaitBytesSent(String name) {
    browser.waitUntil("some bytes of " + name + " sent", d -> browser.js(
        "return (uppyLog.progress[arguments[0]] || 0) > 0 || null", name));
  }

  /** The URLs the page fetched (resource timing), in order. */
  @SuppressWarnings("unchecked")
  private static List<String> requested() {
    return (List<String>) browser.js(
        "return performance.getEntriesByType('resource').map(e => e.name)");
  }

  private static Log log() {
    String json = (String) browser.js("return JSON.stringify({errors: uppyLog.errors"
        + ".map(e => ({name: e.name, error: e.message})), restrictions: uppyLog.restrictions,"
        + " infos: uppyLog.infos})");
    return GSON.fromJson(json, Log.class);
  }

  /**
   * Uppy's result failed exactly {@code errors} (name to message), and each failure reached the
   * user the same way: the {@code upload-error} event, the toast "Failed to upload <name>" and,
   * in the Dashboard, the message behind the "?" beside the toast and the file.
   */
  private static void assertFailed(Outcome outcome, Map<String, String> errors) {
    assertEquals(List.of(), outcome.successful(), "Uppy's result: " + outcome);
    assertEquals(errors, outcome.failed().stream()
        .collect(Collectors.toMap(Failure::name, Failure::error)), "Uppy's result");
    Log log = log();
    assertEquals(errors, log.errors().stream()
        .collect(Collectors.toMap(Failure::name, Failure::error, (a, b) -> a)), "upload-error");
    errors.forEach((name, message) -> assertTrue(
        log.infos().contains(new Info("Failed to upload " + name, message)),
        "expected the toast 'Failed to upload " + name + "' with '" + message + "' but saw "
            + log.infos()));
    errors.values().forEach(message -> assertEquals(true, browser.js("const texts ="
        + " [...document.querySelectorAll('#uppy *')].flatMap(e => [...e.attributes]"
        + ".map(a => a.value)); texts.push(document.querySelector('#uppy').textContent);"
        + " return texts.some(t => t.includes(arguments[0]))", message),
        "expected the Dashboard to hold '" + message + "'"));
  }

  /** The objects whose key ends in {@code name}, change records left out. */
  private static List<String> objectsNamed(String name) {
    return s3.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream()
        .map(o -> o.key())
        .filter(k -> k.endsWith("/" + name) && !k.contains("/.direct-upload/"))
        .toList();
  }

  /** What the app answers a page's {@code s3/params} for this file: its refusal's message. */
  private static String refusal(String filename, String type) throws Exception {
    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base
        + "s3/params?filename=" + filename + "&type=" + type.replace("/", "%2F"))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, answer.statusCode(), answer.body());
    return JsonParser.parseString(answer.body()).getAsJsonObject().get("message").getAsString();
  }

  private static JsonObject get(String path) throws Exception {
    HttpResponse<String> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base + path))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, answer.statusCode(), "GET " + path + ": " + answer.body());
    return JsonParser.parseString(answer.body()).getAsJsonObject();
  }

  private static Optional<JsonObject> listed(String name) throws Exception {
    for (JsonElement f : get("api/files?limit=1000").getAsJsonArray("files")) {
      if (f.getAsJsonObject().get("name").getAsString().equals(name)) {
        return Optional.of(f.getAsJsonObject());
      }
    }
    return Optional.empty();
  }

  /** Waits up to 10 s after Uppy's success, as a user waits for the list to show the file. */
  private static JsonObject awaitListed(String name) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      Optional<JsonObject> file = listed(name);
      if (file.isPresent()) {
        return file.get();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(name + " was not listed within 10 s of Uppy's success");
      }
      LockSupport.parkNanos(100_000_000L);
    }
  }

  /**
   * How many uploads the app holds as pending, all of them: {@code api/uploads?status=pending}
   * lists only uploads of known size, which Uppy's never are.
   */
  private static int pending() throws Exception {
    return get("api/health").get("pending").getAsInt();
  }

  private static byte[] download(String id) throws Exception {
    HttpResponse<byte[]> answer = HTTP.send(HttpRequest.newBuilder(URI.create(base + "api/files/"
        + id + "/download")).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, answer.statusCode(), "download of " + id);
    return answer.body();
  }

  /** The object key of a listed file: the one object in its upload's folder. */
  private static String keyOf(JsonObject file) {
    String id = file.get("id").getAsString();
    return s3.listObjectsV2(b -> b.bucket(BUCKET)).contents().stream()
        .map(o -> o.key())
        .filter(k -> k.contains("/" + id + "/") && !k.contains("/.direct-upload/"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no object of " + id + " in the bucket"));
  }
}
