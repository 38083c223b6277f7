package dev.directupload.bench;

import dev.directupload.bench.BenchS3.Op;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;

/**
 * The S3 protocol of {@link BenchS3}: routes each request to its operation and answers with S3's
 * status codes, headers and XML. Blocking (reads bodies and writes answers on Jetty's thread),
 * which is what a benchmark store can afford.
 */
final class BenchS3Handler extends Handler.Abstract {
  /** Largest PUT body kept: everything lives in the heap. */
  static final int MAX_BODY = 512 * 1024 * 1024;
  private static final int MAX_KEYS = 1000;
  private static final String XML_HEAD = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  private static final String XMLNS = "http://s3.amazonaws.com/doc/2006-03-01/";
  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US)
          .withZone(ZoneOffset.UTC);
  private static final Set<String> LIST_PARAMETERS = Set.of("list-type", "prefix", "start-after",
      "continuation-token", "max-keys", "encoding-type", "fetch-owner");
  /** Request headers a PUT stores and HEAD/GET give back, besides metadata and checksums. */
  private static final Set<String> STORED_HEADERS = Set.of("content-disposition",
      "content-language", "cache-control", "expires", "x-amz-storage-class",
      "x-amz-website-redirect-location");
  private static final Map<String, String> CHECKSUMS = Map.of("x-amz-checksum-sha256", "SHA-256",
      "x-amz-checksum-sha1", "SHA-1", "x-amz-checksum-crc32", "CRC32",
      "x-amz-checksum-crc32c", "CRC32C");

  private final BenchS3 store;
  private final AtomicLong requestIds = new AtomicLong();

  BenchS3Handler(BenchS3 store) {
    this.store = store;
  }

  /** An answer other than success, in S3's terms; {@code key} goes into the XML when set. */
  static final class S3Error extends Exception {
    final int status;
    final String code;
    final String key;

    S3Error(int status, String code, String message, String key) {
      super(message, null, false, false);
      this.status = status;
      this.code = code;
      this.key = key;
    }

    S3Error(int status, String code, String message) {
      this(status, code, message, null);
    }

    static S3Error notImplemented(String what) {
      return new S3Error(501, "NotImplemented", "A header or operation you provided implies"
          + " functionality that is not implemented (BenchS3 does not do " + what + ").");
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    String requestId = String.format("%016X", requestIds.incrementAndGet());
    common(request, response, requestId);
    try {
      route(request, response, callback);
    } catch (S3Error e) {
      error(request, response, callback, requestId, e);
    } catch (IOException e) {
      callback.failed(e); // the client went away while sending or receiving
    } catch (RuntimeException e) {
      if (response.isCommitted()) {
        callback.failed(e);
      } else {
        error(request, response, callback, requestId,
            new S3Error(500, "InternalError", "BenchS3 failed: " + e));
      }
    }
    return true;
  }

  private static void common(Request request, Response response, String requestId) {
    HttpFields.Mutable headers = response.getHeaders();
    headers.put("x-amz-request-id", requestId);
    headers.put(HttpHeader.SERVER, "BenchS3");
    String origin = request.getHeaders().get(HttpHeader.ORIGIN);
    if (origin != null && !"OPTIONS".equals(request.getMethod())) {
      headers.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
      headers.put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "ETag");
      headers.put(HttpHeader.VARY, "Origin");
    }
  }

  private void route(Request request, Response response, Callback callback)
      throws S3Error, IOException {
    String path = request.getHttpURI().getPath();
    String method = request.getMethod();
    if (path == null || path.length() < 2) {
      store.counted(Op.OTHER);
      throw S3Error.notImplemented(method + " / (ListBuckets and the like)");
    }
    int slash = path.indexOf('/', 1);
    String bucketName;
    String key;
    try {
      bucketName = decode(slash < 0 ? path.substring(1) : path.substring(1, slash));
      key = slash < 0 ? "" : decode(path.substring(slash + 1));
    } catch (S3Error e) {
      store.counted(Op.OTHER);
      throw e;
    }
    Fields query = Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    if (!store.bucket().equals(bucketName)) {
      store.counted(Op.OTHER);
      throw new S3Error(404, "NoSuchBucket", "The specified bucket does not exist");
    }
    if (method.equals("OPTIONS")) {
      store.counted(Op.OTHER);
      preflight(request, response, callback);
    } else if (key.isEmpty()) {
      bucketOperation(request, response, callback, method, query);
    } else {
      for (String name : query.getNames()) {
        String lower = name.toLowerCase(Locale.ROOT);
        boolean override = method.equals("GET") && lower.startsWith("response-");
        // x-amz-*: a presigned URL's signature; x-id: the operation's name, which some SDKs add
        if (!lower.startsWith("x-amz-") && !lower.equals("x-id") && !override) {
          store.counted(Op.OTHER);
          throw S3Error.notImplemented(method + " ?" + name);
        }
      }
      switch (method) {
        case "GET", "HEAD" -> {
          store.counted(method.equals("GET") ? Op.GET : Op.HEAD);
          read(request, response, callback, key, query);
        }
        case "PUT" -> {
          if (request.getHeaders().get("x-amz-copy-source") != null) {
            store.counted(Op.OTHER);
            throw S3Error.notImplemented("CopyObject");
          }
          store.counted(Op.PUT);
          put(request, response, callback, key);
        }
        case "DELETE" -> {
          store.counted(Op.DELETE);
          store.objects().remove(key);
          response.setStatus(204);
          callback.succeeded();
        }
        default -> {
          store.counted(Op.OTHER);
          throw S3Error.notImplemented(method + " of an object");
        }
      }
    }
  }

  private void bucketOperation(Request request, Response response, Callback callback,
      String method, Fields query) throws S3Error {
    if (method.equals("GET") && "2".equals(query.getValue("list-type"))) {
      store.counted(Op.LIST);
      list(response, callback, query);
      return;
    }
    store.counted(Op.OTHER);
    if (method.equals("GET") && query.get("uploads") != null) {
      String prefix = orEmpty(query.getValue("prefix"));
      StringBuilder xml = new StringBuilder(XML_HEAD)
          .append("<ListMultipartUploadsResult xmlns=\"").append(XMLNS).append("\">");
      element(xml, "Bucket", store.bucket());
      xml.append("<KeyMarker></KeyMarker><UploadIdMarker></UploadIdMarker>"
          + "<NextKeyMarker></NextKeyMarker><NextUploadIdMarker></NextUploadIdMarker>");
      element(xml, "Prefix", prefix);
      xml.append("<MaxUploads>1000</MaxUploads><IsTruncated>false</IsTruncated>"
          + "</ListMultipartUploadsResult>");
      xml(response, callback, xml);
    } else if (method.equals("HEAD") && query.isEmpty()) {
      response.getHeaders().put("x-amz-bucket-region", "us-east-1");
      response.setStatus(200);
      callback.succeeded();
    } else {
      throw S3Error.notImplemented(method + " of the bucket with " + query.getNames());
    }
  }

  private void list(Response response, Callback callback, Fields query) throws S3Error {
    xml(response, callback, listing(query));
  }

  /** The ListObjectsV2 answer for these query parameters (apart for measuring what it costs). */
  StringBuilder listing(Fields query) throws S3Error {
    for (String name : query.getNames()) {
      if (!LIST_PARAMETERS.contains(name) && !name.toLowerCase(Locale.ROOT).startsWith("x-amz-")) {
        throw S3Error.notImplemented("ListObjectsV2 with " + name);
      }
    }
    String prefix = orEmpty(query.getValue("prefix"));
    String startAfter = query.getValue("start-after");
    String token = query.getValue("continuation-token");
    String encoding = query.getValue("encoding-type");
    if (encoding != null && !encoding.equals("url")) {
      throw new S3Error(400, "InvalidArgument", "Invalid Encoding Method specified in Request");
    }
    boolean url = encoding != null;
    int maxKeys = MAX_KEYS;
    String max = query.getValue("max-keys");
    if (max != null) {
      try {
        maxKeys = Math.min(MAX_KEYS, Integer.parseInt(max));
      } catch (NumberFormatException e) {
        maxKeys = -1;
      }
      if (maxKeys < 0) {
        throw new S3Error(400, "InvalidArgument", "Provided max-keys not an integer or within"
            + " integer range");
      }
    }
    String after = token != null ? fromToken(token)
        : startAfter == null || startAfter.isEmpty() ? null : startAfter;
    NavigableMap<String, Blob> objects = store.objects();
    boolean pastPrefix = after != null && Utf8Order.INSTANCE.compare(after, prefix) >= 0;
    NavigableMap<String, Blob> from = pastPrefix
        ? objects.tailMap(after, false) : objects.tailMap(prefix, true);

    StringBuilder contents = new StringBuilder(Math.max(maxKeys, 1) * 240);
    int count = 0;
    String last = null;
    boolean truncated = false;
    for (Map.Entry<String, Blob> entry : from.entrySet()) {
      String key = entry.getKey();
      if (!key.startsWith(prefix)) {
        break;
      }
      if (count == maxKeys) {
        truncated = maxKeys > 0;
        break;
      }
      Blob blob = entry.getValue();
      contents.append("<Contents>");
      element(contents, "Key", url ? urlEncode(key) : key);
      contents.append("<LastModified>");
      isoDate(contents, blob.lastModified()).append("</LastModified>");
      element(contents, "ETag", etag(key, blob));
      contents.append("<Size>").append(blob.size()).append("</Size>");
      element(contents, "StorageClass", storageClass(blob));
      contents.append("</Contents>");
      count++;
      last = key;
    }
    StringBuilder xml = new StringBuilder(contents.length() + 1024).append(XML_HEAD)
        .append("<ListBucketResult xmlns=\"").append(XMLNS).append("\">");
    element(xml, "Name", store.bucket());
    element(xml, "Prefix", url ? urlEncode(prefix) : prefix);
    if (startAfter != null) {
      element(xml, "StartAfter", url ? urlEncode(startAfter) : startAfter);
    }
    if (token != null) {
      element(xml, "ContinuationToken", token);
    }
    xml.append("<KeyCount>").append(count).append("</KeyCount><MaxKeys>").append(maxKeys)
        .append("</MaxKeys>");
    if (url) {
      element(xml, "EncodingType", "url");
    }
    xml.append("<IsTruncated>").append(truncated).append("</IsTruncated>");
    if (truncated) {
      element(xml, "NextContinuationToken", toToken(last));
    }
    return xml.append(contents).append("</ListBucketResult>");
  }

  /** HeadObject and GetObject: the same headers, a body only for GET. */
  private void read(Request request, Response response, Callback callback, String key,
      Fields query) throws S3Error, IOException {
    boolean head = request.getMethod().equals("HEAD");
    Blob blob = store.objects().get(key);
    if (blob == null) {
      throw new S3Error(404, "NoSuchKey", "The specified key does not exist.", key);
    }
    String etag = etag(key, blob);
    HttpFields headers = request.getHeaders();
    String ifMatch = headers.get(HttpHeader.IF_MATCH);
    if (ifMatch != null && !matches(ifMatch, etag)) {
      throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you"
          + " specified did not hold");
    }
    String ifNoneMatch = headers.get(HttpHeader.IF_NONE_MATCH);
    HttpFields.Mutable out = response.getHeaders();
    if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
      out.put(HttpHeader.ETAG, etag);
      response.setStatus(304);
      callback.succeeded();
      return;
    }
    long size = blob.size();
    long start = 0;
    long end = size;
    String range = headers.get(HttpHeader.RANGE);
    boolean partial = false;
    if (range != null) {
      long[] bounds = range(range, size);
      if (bounds != null) {
        start = bounds[0];
        end = bounds[1];
        partial = true;
      }
    }
    out.put(HttpHeader.LAST_MODIFIED, HTTP_DATE.format(Instant.ofEpochMilli(blob.lastModified())));
    out.put(HttpHeader.ETAG, etag);
    out.put(HttpHeader.CONTENT_TYPE, blob.contentType());
    out.put(HttpHeader.ACCEPT_RANGES, "bytes");
    boolean checksums = !partial && "ENABLED".equalsIgnoreCase(headers.get("x-amz-checksum-mode"));
    Map<String, String> stored = blob.filled() ? FilledObjects.headers(key) : blob.headers();
    for (Map.Entry<String, String> header : stored.entrySet()) {
      if (!header.getKey().startsWith("x-amz-checksum-") || checksums) {
        out.put(header.getKey(), header.getValue());
      }
    }
    if (checksums && stored.keySet().stream().anyMatch(CHECKSUMS::containsKey)) {
      out.put("x-amz-checksum-type", "FULL_OBJECT");
    }
    if (!head) {
      for (String name : query.getNames()) {
        String lower = name.toLowerCase(Locale.ROOT);
        if (lower.startsWith("response-")) {
          out.put(lower.substring("response-".length()), query.getValue(name));
        }
      }
    }
    if (partial) {
      response.setStatus(206);
      out.put(HttpHeader.CONTENT_RANGE, "bytes " + start + "-" + (end - 1) + "/" + size);
    } else {
      response.setStatus(200);
    }
    out.put(HttpHeader.CONTENT_LENGTH, end - start);
    if (head) {
      callback.succeeded();
    } else if (!blob.filled()) {
      response.write(true, ByteBuffer.wrap(blob.body(), (int) start, (int) (end - start)),
          callback);
    } else {
      try (OutputStream body = Content.Sink.asOutputStream(response)) {
        FilledObjects.writeBody(blob.contentType(), start, end, body);
      }
      callback.succeeded();
    }
  }

  /**
   * [start, end) of a single range, or null for a header S3 ignores (several ranges, another
   * unit). Throws InvalidRange (416) when the range starts beyond the object, as S3 does for
   * any range of an empty object.
   */
  private static long[] range(String header, long size) throws S3Error {
    String spec = header.trim();
    if (!spec.startsWith("bytes=") || spec.indexOf(',') >= 0) {
      return null;
    }
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    String first = spec.substring(6, dash).trim();
    String second = spec.substring(dash + 1).trim();
    long start;
    long end;
    try {
      if (first.isEmpty()) {
        long suffix = Long.parseLong(second);
        if (suffix == 0) {
          throw invalidRange();
        }
        start = Math.max(0, size - suffix);
        end = size;
      } else {
        start = Long.parseLong(first);
        end = size;
        if (!second.isEmpty()) {
          long last = Long.parseLong(second);
          if (last < start) {
            return null; // "bytes=9-3" is no valid range: S3 serves the whole object
          }
          end = Math.min(size, last + 1);
        }
      }
    } catch (NumberFormatException e) {
      return null;
    }
    if (start >= size) {
      throw invalidRange();
    }
    return new long[] {start, end};
  }

  private static S3Error invalidRange() {
    return new S3Error(416, "InvalidRange", "The requested range is not satisfiable");
  }

  private void put(Request request, Response response, Callback callback, String key)
      throws S3Error, IOException {
    HttpFields headers = request.getHeaders();
    if (headers.get(HttpHeader.IF_MATCH) != null) {
      throw S3Error.notImplemented("If-Match on PUT");
    }
    String ifNoneMatch = headers.get(HttpHeader.IF_NONE_MATCH);
    if (ifNoneMatch != null && !ifNoneMatch.trim().equals("*")) {
      throw S3Error.notImplemented("If-None-Match other than * on PUT");
    }
    long declared = headers.getLongField(HttpHeader.CONTENT_LENGTH);
    if (declared > MAX_BODY) {
      throw new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed"
          + " size (BenchS3 keeps at most " + MAX_BODY + " bytes)");
    }
    byte[] body;
    try (InputStream in = Content.Source.asInputStream(request)) {
      body = in.readNBytes(MAX_BODY + 1);
    }
    if (body.length > MAX_BODY) {
      throw new S3Error(400, "EntityTooLarge", "Your proposed upload exceeds the maximum allowed"
          + " size (BenchS3 keeps at most " + MAX_BODY + " bytes)");
    }
    String contentSha256 = headers.get("x-amz-content-sha256");
    String contentEncoding = headers.get(HttpHeader.CONTENT_ENCODING);
    Map<String, String> checksums = new HashMap<>();
    if (AwsChunked.applies(contentSha256, contentEncoding)) {
      AwsChunked.Decoded decoded;
      try {
        decoded = AwsChunked.decode(body);
      } catch (IllegalArgumentException e) {
        throw new S3Error(400, "IncompleteBody", "Bad aws-chunked body: " + e.getMessage());
      }
      body = decoded.body();
      String length = headers.get("x-amz-decoded-content-length");
      if (length != null && !length.equals(Integer.toString(body.length))) {
        throw new S3Error(400, "IncompleteBody", "You did not provide the number of bytes"
            + " specified by the x-amz-decoded-content-length header (" + length + ", got "
            + body.length + ")");
      }
      decoded.trailers().forEach((name, value) -> {
        if (name.startsWith("x-amz-checksum-")) {
          checksums.put(name, value);
        }
      });
    } else if (contentSha256 != null && contentSha256.matches("[0-9a-fA-F]{64}")
        && !contentSha256.equalsIgnoreCase(
            HexFormat.of().formatHex(FilledObjects.digest("SHA-256").digest(body)))) {
      throw new S3Error(400, "XAmzContentSHA256Mismatch", "The provided 'x-amz-content-sha256'"
          + " header does not match what was computed.");
    }
    byte[] md5 = FilledObjects.digest("MD5").digest(body);
    String contentMd5 = headers.get("Content-MD5");
    if (contentMd5 != null && !contentMd5.trim().equals(Base64.getEncoder().encodeToString(md5))) {
      throw new S3Error(400, "BadDigest", "The Content-MD5 you specified did not match what we"
          + " received.");
    }
    Map<String, String> stored = new HashMap<>();
    for (HttpField field : headers) {
      String name = field.getLowerCaseName();
      if (name.startsWith("x-amz-meta-") || STORED_HEADERS.contains(name)) {
        stored.put(name, field.getValue());
      } else if (name.startsWith("x-amz-checksum-") && !name.equals("x-amz-checksum-type")
          && !name.equals("x-amz-checksum-algorithm")) {
        checksums.put(name, field.getValue());
      }
    }
    if (contentEncoding != null) {
      String rest = contentEncoding.replaceAll("(?i)\\s*aws-chunked\\s*,?", "").trim()
          .replaceAll(",$", "");
      if (!rest.isEmpty()) {
        stored.put("content-encoding", rest);
      }
    }
    for (Map.Entry<String, String> checksum : checksums.entrySet()) {
      String algorithm = CHECKSUMS.get(checksum.getKey());
      if (algorithm == null) {
        throw S3Error.notImplemented(checksum.getKey());
      }
      String actual = Base64.getEncoder().encodeToString(checksum(algorithm, body));
      if (!actual.equals(checksum.getValue().trim())) {
        throw new S3Error(400, "BadDigest", "The " + algorithm + " you specified did not match"
            + " the calculated checksum.");
      }
      stored.put(checksum.getKey(), actual);
    }
    String etag = '"' + HexFormat.of().formatHex(md5) + '"';
    String contentType = headers.get(HttpHeader.CONTENT_TYPE);
    long now = System.currentTimeMillis();
    Blob blob = new Blob(body.length, contentType == null ? "binary/octet-stream" : contentType,
        now - now % 1000, etag, Map.copyOf(stored), body);
    if (ifNoneMatch != null) {
      if (store.objects().putIfAbsent(key, blob) != null) {
        throw new S3Error(412, "PreconditionFailed", "At least one of the pre-conditions you"
            + " specified did not hold");
      }
    } else {
      store.objects().put(key, blob);
    }
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.ETAG, etag);
    checksums.keySet().forEach(name -> out.put(name, stored.get(name)));
    out.put(HttpHeader.CONTENT_LENGTH, 0);
    response.setStatus(200);
    callback.succeeded();
  }

  private static byte[] checksum(String algorithm, byte[] body) {
    Checksum crc;
    switch (algorithm) {
      case "CRC32" -> crc = new CRC32();
      case "CRC32C" -> crc = new CRC32C();
      default -> {
        return FilledObjects.digest(algorithm).digest(body);
      }
    }
    crc.update(body, 0, body.length);
    long value = crc.getValue();
    return new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8),
        (byte) value};
  }

  /** A bucket whose CORS rule allows every origin, method and header, and exposes ETag. */
  private static void preflight(Request request, Response response, Callback callback)
      throws S3Error {
    HttpFields headers = request.getHeaders();
    String origin = headers.get(HttpHeader.ORIGIN);
    String method = headers.get(HttpHeader.ACCESS_CONTROL_REQUEST_METHOD);
    if (origin == null || method == null) {
      throw new S3Error(400, "BadRequest", "Insufficient information. Origin request header"
          + " needed.");
    }
    HttpFields.Mutable out = response.getHeaders();
    out.put(HttpHeader.ACCESS_CONTROL_ALLOW_ORIGIN, origin);
    out.put(HttpHeader.ACCESS_CONTROL_ALLOW_METHODS, "GET, PUT, HEAD, POST, DELETE");
    String requested = headers.get(HttpHeader.ACCESS_CONTROL_REQUEST_HEADERS);
    if (requested != null && !requested.isBlank()) {
      out.put(HttpHeader.ACCESS_CONTROL_ALLOW_HEADERS, requested.toLowerCase(Locale.ROOT));
    }
    out.put(HttpHeader.ACCESS_CONTROL_EXPOSE_HEADERS, "ETag");
    out.put(HttpHeader.ACCESS_CONTROL_MAX_AGE, 3600);
    out.put(HttpHeader.VARY,
        "Origin, Access-Control-Request-Headers, Access-Control-Request-Method");
    out.put(HttpHeader.CONTENT_LENGTH, 0);
    response.setStatus(200);
    callback.succeeded();
  }

  private static void error(Request request, Response response, Callback callback,
      String requestId, S3Error e) {
    response.reset();
    common(request, response, requestId);
    response.setStatus(e.status);
    if (request.getMethod().equals("HEAD")) {
      callback.succeeded(); // S3 answers HEAD errors with the status alone
      return;
    }
    StringBuilder xml = new StringBuilder(XML_HEAD).append("<Error>");
    element(xml, "Code", e.code);
    element(xml, "Message", e.getMessage());
    if (e.key != null) {
      element(xml, "Key", e.key);
    }
    element(xml, "RequestId", requestId);
    xml.append("</Error>");
    xml(response, callback, xml);
  }

  private static void xml(Response response, Callback callback, CharSequence xml) {
    byte[] bytes = xml.toString().getBytes(StandardCharsets.UTF_8);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/xml");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  private static String etag(String key, Blob blob) {
    return blob.etag() != null ? blob.etag()
        : FilledObjects.etag(key, blob.size(), blob.lastModified());
  }

  private static String storageClass(Blob blob) {
    return blob.filled() ? "STANDARD"
        : blob.headers().getOrDefault("x-amz-storage-class", "STANDARD");
  }

  /** "*", one entity tag, or several separated by commas; weak tags compare as strong. */
  private static boolean matches(String header, String etag) {
    for (String candidate : header.split(",")) {
      String tag = candidate.trim();
      if (tag.startsWith("W/")) {
        tag = tag.substring(2);
      }
      if (tag.equals("*") || tag.equals(etag) || ('"' + tag + '"').equals(etag)) {
        return true;
      }
    }
    return false;
  }

  /** Percent-decoding of a path segment; '+' is a plus sign in a path. */
  private static String decode(String raw) throws S3Error {
    if (raw.indexOf('%') < 0) {
      return raw;
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        int hi = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 1), 16) : -1;
        int lo = i + 2 < raw.length() ? Character.digit(raw.charAt(i + 2), 16) : -1;
        if (hi < 0 || lo < 0) {
          throw new S3Error(400, "InvalidURI", "Couldn't parse the specified URI.");
        }
        bytes.write(hi << 4 | lo);
        i += 2;
      } else {
        byte[] encoded = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        bytes.write(encoded, 0, encoded.length);
      }
    }
    return bytes.toString(StandardCharsets.UTF_8);
  }

  /**
   * As S3 encodes keys for encoding-type=url (the SDK decodes with URLDecoder, '+' as a space);
   * the application's keys need no encoding, and a page of them should not pay for it.
   */
  private static String urlEncode(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '/' || c == '-' || c == '_' || c == '.' || c == '*';
      if (!plain) {
        return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("%2F", "/");
      }
    }
    return text;
  }

  /** 2026-03-04T10:11:12.000Z, as S3 lists dates (a DateTimeFormatter costs more per entry). */
  private static StringBuilder isoDate(StringBuilder out, long epochMillis) {
    LocalDateTime at = LocalDateTime.ofEpochSecond(Math.floorDiv(epochMillis, 1000), 0,
        ZoneOffset.UTC);
    int millis = Math.floorMod(epochMillis, 1000);
    out.append(at.getYear()).append('-');
    two(out, at.getMonthValue()).append('-');
    two(out, at.getDayOfMonth()).append('T');
    two(out, at.getHour()).append(':');
    two(out, at.getMinute()).append(':');
    two(out, at.getSecond()).append('.');
    return two(out.append((char) ('0' + millis / 100)), millis % 100).append('Z');
  }

  private static StringBuilder two(StringBuilder out, int value) {
    return out.append((char) ('0' + value / 10)).append((char) ('0' + value % 10));
  }

  private static String toToken(String key) {
    return Base64.getUrlEncoder().withoutPadding()
        .encodeToString(key.getBytes(StandardCharsets.UTF_8));
  }

  private static String fromToken(String token) throws S3Error {
    try {
      return new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new S3Error(400, "InvalidArgument", "The continuation token provided is incorrect");
    }
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  private static void element(StringBuilder xml, String name, String value) {
    xml.append('<').append(name).append('>');
    if (!needsEscape(value)) {
      xml.append(value).append("</").append(name).append('>');
      return;
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '&' -> xml.append("&amp;");
        case '<' -> xml.append("&lt;");
        case '>' -> xml.append("&gt;");
        case '"' -> xml.append("&quot;");
        case '\'' -> xml.append("&apos;");
        case '\r' -> xml.append("&#13;");
        default -> xml.append(c);
      }
    }
    xml.append("</").append(name).append('>');
  }

  private static boolean needsEscape(String value) {
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '&' || c == '<' || c == '>' || c == '"' || c == '\'' || c == '\r') {
        return true;
      }
    }
    return false;
  }
}
