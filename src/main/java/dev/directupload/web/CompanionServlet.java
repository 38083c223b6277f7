package dev.directupload.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.directupload.registry.Upload;
import dev.directupload.storage.StoredPart;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ClientPart;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.SignedForm;
import dev.directupload.upload.SignedPart;
import dev.directupload.upload.UploadService;
import dev.directupload.upload.UppyRequest;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Companion's S3 routes under {@code s3/}, so that Uppy's S3 plugin ({@code @uppy/aws-s3} 5.x
 * with {@code endpoint}, 6.x with {@code companionEndpoint}) uploads through direct-upload
 * unchanged. The shapes are Companion's, field names included
 * ({@code packages/@uppy/companion/src/server/controllers/s3.js}); the rules are ours. The
 * {@code uploadId} Uppy is given is our upload's id, and its {@code key} the object key.
 *
 * <ul>
 *   <li>{@code GET s3/params?filename&type&metadata[name]=value}: a signed POST form. Both majors
 *       send small files as a form (6.x only can), and neither says the size, so the form binds
 *       a size range; the app notices the object by itself (Uppy never completes it).
 *   <li>{@code POST s3/multipart} {@code {filename, type, metadata}}: starts a multipart upload.
 *   <li>{@code GET s3/multipart/{id}/{partNumber}?key}: one part's URL, any length.
 *   <li>{@code GET s3/multipart/{id}/batch?key&partNumbers=1,2}: several.
 *   <li>{@code GET s3/multipart/{id}?key}: the parts stored, all of them.
 *   <li>{@code POST s3/multipart/{id}/complete?key} {@code {parts: [{PartNumber, ETag}]}}.
 *   <li>{@code DELETE s3/multipart/{id}?key}: cancels (never deletes a completed file).
 * </ul>
 *
 * <p>Errors are Companion's {@code {message}} (Uppy 5 shows a 4xx answer's message to the user),
 * with our {@code code} beside it.
 */
final class CompanionServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;
  /** Room for 10,000 parts named in a complete (Companion allows 1 MB). */
  static final int MAX_COMPLETE_BYTES = 1024 * 1024;
  private static final String METADATA_PREFIX = "metadata[";

  private final transient UploadService service;
  private final transient Callers callers;
  private final String bucket;
  private final Duration bodyTimeout;
  private final long partUrlSeconds;

  CompanionServlet(UploadService service, Callers callers, String bucket, Duration bodyTimeout,
      Duration partUrlExpiry) {
    this.service = service;
    this.callers = callers;
    this.bucket = bucket;
    this.bodyTimeout = bodyTimeout;
    this.partUrlSeconds = partUrlExpiry.toSeconds();
  }

  @Override
  void writeError(HttpServletResponse resp, ApiException e) throws IOException {
    Json.writeCompanionError(resp, e);
  }

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Caller caller = callers.of(req);
    if (path.equals(List.of("params"))) {
      require(method, "GET", resp);
      SignedForm form = service.presignForm(caller, new UppyRequest(
          req.getParameter("filename"), req.getParameter("type"), metadataParameters(req)));
      Map<String, Object> answer = new LinkedHashMap<>();
      answer.put("method", "POST");
      answer.put("url", form.post().url());
      answer.put("fields", form.post().fields());
      answer.put("expires", secondsUntil(form.post().expiresAt()));
      Json.write(resp, 200, answer);
    } else if (path.equals(List.of("multipart"))) {
      require(method, "POST", resp);
      withJsonBody(req, resp, bodyTimeout, body -> {
        Upload upload = service.startMultipart(caller, parseStart(body));
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("key", upload.key());
        answer.put("uploadId", upload.id());
        answer.put("bucket", bucket);
        Json.write(resp, 200, answer);
      });
    } else if (path.size() == 2 && path.get(0).equals("multipart")) {
      String id = path.get(1);
      switch (method) {
        case "GET" -> Json.write(resp, 200, service.storedParts(caller, id, key(req)).parts()
            .stream().map(CompanionServlet::part).toList());
        case "DELETE" -> {
          service.cancelMultipart(caller, id, key(req));
          Json.write(resp, 200, Map.of());
        }
        default -> throw methodNotAllowed(resp, method, "GET, DELETE");
      }
    } else if (path.size() == 3 && path.get(0).equals("multipart")) {
      String id = path.get(1);
      switch (path.get(2)) {
        case "complete" -> {
          require(method, "POST", resp);
          String key = key(req);
          // The upload is checked before a byte of the body is read.
          service.requireUpload(caller, id, key);
          withJsonBody(req, resp, bodyTimeout, MAX_COMPLETE_BYTES, body -> {
            Upload done = service.completeParts(caller, id, key, parseParts(body));
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("location", service.objectUrl(done).toString());
            answer.put("key", done.key());
            answer.put("bucket", bucket);
            Json.write(resp, 200, answer);
          });
        }
        case "batch" -> {
          require(method, "GET", resp);
          String key = key(req);
          Map<String, String> urls = new LinkedHashMap<>();
          for (int n : partNumbers(req.getParameter("partNumbers"))) {
            urls.put(Integer.toString(n), service.signPart(caller, id, key, n).put().url());
          }
          Json.write(resp, 200, Map.of("presignedUrls", urls));
        }
        default -> {
          require(method, "GET", resp);
          SignedPart part = service.signPart(caller, id, key(req), partNumber(path.get(2)));
          Map<String, Object> answer = new LinkedHashMap<>();
          answer.put("url", part.put().url());
          answer.put("expires", partUrlSeconds);
          Json.write(resp, 200, answer);
        }
      }
    } else {
      throw noSuchPath(req);
    }
  }

  private static void require(String method, String expected, HttpServletResponse resp) {
    if (!method.equals(expected)) {
      throw methodNotAllowed(resp, method, expected);
    }
  }

  private static long secondsUntil(Instant at) {
    return Math.max(0, Duration.between(Instant.now(), at).toSeconds());
  }

  /** {@code metadata[name]=value} query parameters, as Express's qs parses them for Companion. */
  private static Map<String, String> metadataParameters(HttpServletRequest req) {
    Map<String, String> metadata = new LinkedHashMap<>();
    req.getParameterMap().forEach((name, values) -> {
      if (name.startsWith(METADATA_PREFIX) && name.endsWith("]") && values.length > 0) {
        metadata.put(name.substring(METADATA_PREFIX.length(), name.length() - 1), values[0]);
      }
    });
    return metadata;
  }

  private static String key(HttpServletRequest req) {
    String key = req.getParameter("key");
    if (key == null || key.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "the object key must be passed as a"
          + " query parameter, for example \"?key=abc.jpg\"");
    }
    return key;
  }

  private static int partNumber(String text) {
    try {
      int n = Integer.parseInt(text);
      if (n >= 1 && n <= 10_000) {
        return n;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new ApiException(ErrorCode.INVALID_REQUEST,
        "the part number must be a number between 1 and 10000");
  }

  private static List<Integer> partNumbers(String text) {
    if (text == null || text.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "the part numbers must be passed as a"
          + " comma separated query parameter, for example \"?partNumbers=4,6,7,21\"");
    }
    String[] items = text.split(",", -1);
    if (items.length > 100) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "at most 100 part numbers at once");
    }
    List<Integer> numbers = new ArrayList<>(items.length);
    for (String item : items) {
      numbers.add(partNumber(item.trim()));
    }
    return numbers;
  }

  private static Map<String, Object> part(StoredPart part) {
    Map<String, Object> view = new LinkedHashMap<>();
    view.put("PartNumber", part.partNumber());
    view.put("Size", part.size());
    view.put("ETag", part.etag());
    return view;
  }

  /** {@code {filename, type, metadata}}: Uppy 6 sends a {@code null} meta value as is. */
  private static UppyRequest parseStart(Map<String, JsonElement> body) {
    Map<String, String> metadata = new LinkedHashMap<>();
    JsonElement meta = body.get("metadata");
    if (meta instanceof JsonObject object) {
      for (Map.Entry<String, JsonElement> entry : object.entrySet()) {
        JsonElement value = entry.getValue();
        if (value instanceof JsonPrimitive p) {
          metadata.put(entry.getKey(), p.getAsString());
        } else if (!value.isJsonNull()) {
          throw new ApiException(ErrorCode.INVALID_REQUEST, "metadata values must be strings");
        }
      }
    } else if (meta != null && !meta.isJsonNull()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "metadata must be an object");
    }
    return new UppyRequest(Json.string(body, "filename"), Json.string(body, "type"), metadata);
  }

  /** {@code {parts: [{PartNumber, ETag}, ...]}}. */
  private static List<ClientPart> parseParts(Map<String, JsonElement> body) {
    String expected = "`parts` must be an array of {ETag, PartNumber} objects";
    if (!(body.get("parts") instanceof JsonArray array)) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, expected);
    }
    List<ClientPart> parts = new ArrayList<>(array.size());
    for (JsonElement element : array) {
      if (!(element instanceof JsonObject part)
          || !(part.get("ETag") instanceof JsonPrimitive etag) || !etag.isString()) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, expected);
      }
      JsonElement number = part.get("PartNumber");
      // Uppy 5 sends a number; a string of digits passes too, as it does in Companion.
      OptionalLong n = number instanceof JsonPrimitive p && p.isString()
          ? parsedWhole(p.getAsString())
          : Json.wholeNumber(number, 1, 10_000);
      if (n.isEmpty() || n.getAsLong() < 1 || n.getAsLong() > 10_000) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, expected);
      }
      parts.add(new ClientPart((int) n.getAsLong(), etag.getAsString()));
    }
    return parts;
  }

  private static OptionalLong parsedWhole(String text) {
    try {
      return OptionalLong.of(Long.parseLong(text.trim()));
    } catch (NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

}
