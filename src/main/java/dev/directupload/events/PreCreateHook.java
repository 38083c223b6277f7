package dev.directupload.events;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Asks the host application, before an upload is signed, whether it may happen: a POST of
 * {@code {"owner","filename","contentType","size","headers"}} signed like a webhook (same three
 * headers, same secret), answered within {@code timeout}.
 *
 * <ul>
 *   <li>2xx with {@code {}} (or an empty body): {@link Decision.Allow} without metadata.
 *   <li>2xx with {@code {"metadata":{"name":"value",...}}}: {@link Decision.Allow}; the pairs are
 *       stored with the object as {@code x-amz-meta-<name>}. At most {@value #MAX_METADATA_PAIRS}
 *       pairs and {@value #MAX_METADATA_BYTES} bytes (names and values together; S3 allows 2 KiB
 *       of user metadata in all and the app's own names take the rest); names of 1 to 64
 *       characters {@code [a-z0-9-]}, starting with a letter or digit, none of
 *       {@link #RESERVED_METADATA}; values printable US-ASCII without spaces at either end.
 *   <li>2xx with {@code {"reject":{"status":4xx,"message":"..."}}}: {@link Decision.Reject} with
 *       that status (400..499 only) and the message (control characters made spaces, at most
 *       {@value #MAX_MESSAGE_CHARS} characters; a default when none is left).
 *   <li>Anything else is {@link Decision.Unavailable}, with a reason for the log: no answer
 *       within the timeout, a refused connection, a status other than 2xx (redirects are not
 *       followed), an answer over {@value #MAX_ANSWER_BYTES} bytes, invalid JSON, a reject with a
 *       status outside 400..499, bad metadata, both reject and metadata. Nothing is signed then.
 * </ul>
 *
 * <p>Only the request headers named in {@code forwardedHeaders} are sent, under their lower-case
 * names, with the values as received (several values joined with {@code ", "}, or {@code "; "}
 * for {@code cookie}); a header the request lacks is left out.
 */
public final class PreCreateHook implements AutoCloseable {
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  public static final int MAX_METADATA_PAIRS = 10;
  public static final int MAX_METADATA_BYTES = 1024;
  public static final int MAX_MESSAGE_CHARS = 300;
  public static final int MAX_ANSWER_BYTES = 16 * 1024;
  /** The metadata the app writes itself (the index is rebuilt from it): a hook may not set it. */
  public static final Set<String> RESERVED_METADATA = Set.of("upload-id", "filename", "owner");
  static final String DEFAULT_REJECT_MESSAGE = "The upload was refused.";

  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  private static final Pattern METADATA_NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final Pattern METADATA_VALUE = Pattern.compile("([!-~]([ -~]*[!-~])?)?");
  private static final SecureRandom RANDOM = new SecureRandom();

  /** What a client asks to upload; {@code size} is 0 when it did not say (Uppy does not). */
  public record Request(String owner, String filename, String contentType, long size) {}

  /** The hook's decision. */
  public sealed interface Decision {
    /** Sign it, and store {@code metadata} (validated, maybe empty) with the object. */
    record Allow(Map<String, String> metadata) implements Decision {
      public Allow {
        metadata = Collections.unmodifiableMap(new LinkedHashMap<>(metadata));
      }
    }

    /** Refuse it with this status (400..499) and message (cleaned, safe to show the user). */
    record Reject(int status, String message) implements Decision {}

    /** The hook did not decide; {@code reason} is for the log, not for the user. */
    record Unavailable(String reason) implements Decision {}
  }

  private final URI url;
  private final WebhookSigner signer;
  private final Duration timeout;
  private final List<String> forwardedHeaders;
  private final Clock clock;
  private final ExecutorService httpThreads;
  private final HttpClient http;

  /**
   * @param forwardedHeaders names of request headers to forward (any case), e.g.
   *     {@code [Cookie, Authorization]}
   */
  public PreCreateHook(URI url, WebhookSigner signer, Duration timeout,
      List<String> forwardedHeaders, Clock clock) {
    if (url == null || !url.isAbsolute()
        || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
      throw new IllegalArgumentException("expected an absolute http or https pre-create hook URL"
          + " but was " + url);
    }
    if (timeout == null || timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("expected a positive pre-create hook timeout but was "
          + timeout);
    }
    Set<String> names = new LinkedHashSet<>();
    for (String name : forwardedHeaders) {
      if (name == null || !HEADER_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("expected header names (letters, digits and"
            + " !#$%&'*+.^_`|~-) to forward to the pre-create hook but one was '" + name + "'");
      }
      names.add(name.toLowerCase(Locale.ROOT));
    }
    this.url = url;
    this.signer = Objects.requireNonNull(signer, "signer");
    this.timeout = timeout;
    this.forwardedHeaders = List.copyOf(names);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.httpThreads = Executors.newCachedThreadPool(runnable -> {
      Thread t = new Thread(runnable, "direct-upload-pre-create-hook");
      t.setDaemon(true);
      return t;
    });
    this.http = HttpClient.newBuilder()
        .connectTimeout(timeout)
        .followRedirects(HttpClient.Redirect.NEVER)
        .version(HttpClient.Version.HTTP_1_1)
        .executor(httpThreads)
        .build();
  }

  /** The forwarded header names, lower-case. */
  public List<String> forwardedHeaders() {
    return forwardedHeaders;
  }

  /**
   * Asks the hook about {@code request}, in the calling thread, for at most the timeout.
   *
   * @param requestHeaders the values of a header of the user's request by name, any case (empty
   *     when it has none): {@code name -> Collections.list(req.getHeaders(name))}
   */
  public Decision decide(Request request, Function<String, List<String>> requestHeaders) {
    String body = body(request, requestHeaders);
    String id = "req_" + randomId();
    HttpRequest.Builder post = HttpRequest.newBuilder(url)
        .timeout(timeout)
        .header("content-type", "application/json")
        .header("user-agent", WebhookDeliverer.USER_AGENT)
        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    signer.headers(id, clock.instant(), body).forEach(post::header);
    CompletableFuture<HttpResponse<byte[]>> answer = http.sendAsync(post.build(),
        info -> new BoundedBody(info.statusCode() / 100 == 2 ? MAX_ANSWER_BYTES : 0));
    HttpResponse<byte[]> response;
    try {
      // The request's own timeout stops waiting for headers; this one bounds the body too.
      response = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      answer.cancel(true);
      return unavailable("no answer within " + timeout);
    } catch (ExecutionException e) {
      return unavailable(failure(e.getCause()));
    } catch (InterruptedException e) {
      answer.cancel(true);
      Thread.currentThread().interrupt();
      return unavailable("interrupted while waiting for the hook");
    }
    int status = response.statusCode();
    if (status < 200 || status > 299) {
      return unavailable("answered " + status
          + (status >= 300 && status < 400 ? " (redirects are not followed)" : ""));
    }
    return parse(response.body());
  }

  @Override
  public void close() {
    httpThreads.shutdownNow();
  }

  private String body(Request request, Function<String, List<String>> requestHeaders) {
    Map<String, String> headers = new LinkedHashMap<>();
    for (String name : forwardedHeaders) {
      List<String> values = requestHeaders.apply(name);
      if (values != null && !values.isEmpty()) {
        headers.put(name, String.join(name.equals("cookie") ? "; " : ", ", values));
      }
    }
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("owner", request.owner());
    fields.put("filename", request.filename());
    fields.put("contentType", request.contentType());
    // null: the client did not say (Uppy); max-file-size is enforced when the object exists.
    fields.put("size", request.size() > 0 ? request.size() : null);
    fields.put("headers", headers);
    return EventJson.GSON.toJson(fields);
  }

  /** Reads a 2xx answer strictly: one JSON object (or nothing), no duplicate fields. */
  static Decision parse(byte[] bytes) {
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      return unavailable("answered with a body that is not UTF-8");
    }
    if (text.isBlank()) {
      return new Decision.Allow(Map.of());
    }
    JsonObject answer;
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        return unavailable("answered with JSON that is not an object");
      }
      answer = new JsonObject();
      reader.beginObject();
      while (reader.hasNext()) {
        String name = reader.nextName();
        if (answer.has(name)) {
          return unavailable("answered with the field '" + name + "' twice");
        }
        answer.add(name, EventJson.GSON.getAdapter(JsonElement.class).read(reader));
      }
      reader.endObject();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        return unavailable("answered with data after the JSON object");
      }
    } catch (JsonParseException | IllegalStateException | IOException e) {
      return unavailable("answered with invalid JSON");
    }
    JsonElement reject = answer.get("reject");
    JsonElement metadata = answer.get("metadata");
    boolean rejects = reject != null && !reject.isJsonNull();
    boolean hasMetadata = metadata != null && !metadata.isJsonNull();
    if (rejects && hasMetadata) {
      return unavailable("answered with both reject and metadata");
    }
    if (rejects) {
      return reject(reject);
    }
    return hasMetadata ? metadata(metadata) : new Decision.Allow(Map.of());
  }

  private static Decision reject(JsonElement reject) {
    if (!reject.isJsonObject()) {
      return unavailable("answered with a reject that is not an object");
    }
    JsonElement status = reject.getAsJsonObject().get("status");
    if (!(status instanceof JsonPrimitive p && p.isNumber())) {
      return unavailable("answered with a reject without a numeric status");
    }
    BigDecimal number = p.getAsBigDecimal();
    if (number.compareTo(BigDecimal.valueOf(400)) < 0
        || number.compareTo(BigDecimal.valueOf(499)) > 0
        || number.stripTrailingZeros().scale() > 0) {
      return unavailable("answered with a reject status of " + number.toPlainString()
          + " (expected 400..499)");
    }
    JsonElement message = reject.getAsJsonObject().get("message");
    String text = "";
    if (message != null && !message.isJsonNull()) {
      if (!(message instanceof JsonPrimitive m && m.isString())) {
        return unavailable("answered with a reject message that is not a string");
      }
      text = cleanMessage(m.getAsString());
    }
    return new Decision.Reject(number.intValueExact(),
        text.isEmpty() ? DEFAULT_REJECT_MESSAGE : text);
  }

  private static Decision metadata(JsonElement metadata) {
    if (!metadata.isJsonObject()) {
      return unavailable("answered with metadata that is not an object");
    }
    Map<String, String> pairs = new LinkedHashMap<>();
    int bytes = 0;
    for (Map.Entry<String, JsonElement> entry : metadata.getAsJsonObject().entrySet()) {
      String name = entry.getKey();
      if (!METADATA_NAME.matcher(name).matches()) {
        return unavailable("answered with the metadata name '" + printable(name)
            + "' (expected 1..64 of [a-z0-9-], starting with a letter or digit)");
      }
      if (RESERVED_METADATA.contains(name)) {
        return unavailable("answered with the metadata name '" + name
            + "', which the app sets itself");
      }
      if (!(entry.getValue() instanceof JsonPrimitive v && v.isString())) {
        return unavailable("answered with a metadata value for '" + name
            + "' that is not a string");
      }
      String value = v.getAsString();
      if (!METADATA_VALUE.matcher(value).matches()) {
        return unavailable("answered with a metadata value for '" + name + "' that is not"
            + " printable US-ASCII without spaces at either end");
      }
      pairs.put(name, value);
      bytes += name.length() + value.length();
    }
    if (pairs.size() > MAX_METADATA_PAIRS) {
      return unavailable("answered with " + pairs.size() + " metadata pairs (at most "
          + MAX_METADATA_PAIRS + ")");
    }
    if (bytes > MAX_METADATA_BYTES) {
      return unavailable("answered with " + bytes + " bytes of metadata (at most "
          + MAX_METADATA_BYTES + ")");
    }
    return new Decision.Allow(pairs);
  }

  /**
   * The message with control characters and line separators turned into spaces, runs of spaces
   * made one, bidirectional controls (which could make it read otherwise than it is) removed,
   * trimmed, and cut to {@link #MAX_MESSAGE_CHARS} code points.
   */
  static String cleanMessage(String message) {
    StringBuilder clean = new StringBuilder();
    message.codePoints().forEach(c -> {
      if (Character.isISOControl(c) || Character.isWhitespace(c) || c == 0x2028 || c == 0x2029) {
        if (clean.length() > 0 && clean.charAt(clean.length() - 1) != ' ') {
          clean.append(' ');
        }
      } else if (!(c >= 0x202A && c <= 0x202E) && !(c >= 0x2066 && c <= 0x2069)
          && c != 0x200E && c != 0x200F && c != 0x061C) {
        clean.appendCodePoint(c);
      }
    });
    String trimmed = clean.toString().strip();
    if (trimmed.codePointCount(0, trimmed.length()) > MAX_MESSAGE_CHARS) {
      trimmed = trimmed.substring(0, trimmed.offsetByCodePoints(0, MAX_MESSAGE_CHARS)).strip();
    }
    return trimmed;
  }

  private static String printable(String text) {
    String shown = text.length() > 64 ? text.substring(0, 64) + "..." : text;
    return shown.replaceAll("[^ -~]", "?");
  }

  private static Decision.Unavailable unavailable(String reason) {
    return new Decision.Unavailable(reason);
  }

  private String failure(Throwable cause) {
    for (Throwable c = cause; c != null; c = c.getCause()) {
      if (c instanceof AnswerTooLarge) {
        return "answered with more than " + MAX_ANSWER_BYTES + " bytes";
      }
    }
    if (cause instanceof HttpConnectTimeoutException) {
      return "could not connect within " + timeout;
    }
    if (cause instanceof HttpTimeoutException) {
      return "no answer within " + timeout;
    }
    if (cause instanceof ConnectException) {
      return "could not connect (refused or unreachable)";
    }
    // The JDK's messages may quote what the hook sent: name the kind of failure only.
    return "failed (" + (cause == null ? "unknown" : cause.getClass().getSimpleName()) + ")";
  }

  private static String randomId() {
    byte[] random = new byte[16];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static final class AnswerTooLarge extends IOException {
    private static final long serialVersionUID = 1L;

    AnswerTooLarge() {
      super("the answer is too large");
    }
  }

  /**
   * Collects at most {@code limit} bytes: past that, the exchange is cancelled and the answer
   * fails ({@code limit} 0: the body is not wanted, and the answer completes without it).
   */
  private static final class BoundedBody implements HttpResponse.BodySubscriber<byte[]> {
    private final int limit;
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private Flow.Subscription subscription;

    BoundedBody(int limit) {
      this.limit = limit;
    }

    @Override
    public CompletableFuture<byte[]> getBody() {
      return result;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
      subscription = s;
      if (limit == 0) {
        s.cancel();
        result.complete(new byte[0]);
      } else {
        s.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
      if (result.isDone()) {
        return;
      }
      for (ByteBuffer buffer : buffers) {
        if (bytes.size() + buffer.remaining() > limit) {
          subscription.cancel();
          result.completeExceptionally(new AnswerTooLarge());
          return;
        }
        byte[] chunk = new byte[buffer.remaining()];
        buffer.get(chunk);
        bytes.write(chunk, 0, chunk.length);
      }
    }

    @Override
    public void onError(Throwable t) {
      result.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      result.complete(bytes.toByteArray());
    }
  }
}
