package dev.directupload.web;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.Caller;
import dev.directupload.upload.ErrorCode;
import dev.directupload.upload.PartRequest;
import dev.directupload.upload.UploadRequest;
import dev.directupload.upload.UploadService;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;

/**
 * {@code api/uploads}: presign ({@code POST}), the caller's pending uploads
 * ({@code GET ?status=pending}), {@code POST {id}/complete}, {@code DELETE {id}}, and a multipart
 * upload's parts: {@code POST {id}/parts} signs some, {@code GET {id}/parts} lists those stored.
 */
final class UploadsServlet extends ApiServlet {
  private static final long serialVersionUID = 1L;
  private static final Set<String> FIELDS = Set.of("filename", "contentType", "size",
      "checksumSha256");

  private final transient UploadService service;
  private final transient Callers callers;
  private final Duration bodyTimeout;

  UploadsServlet(UploadService service, Callers callers, Duration bodyTimeout) {
    this.service = service;
    this.callers = callers;
    this.bodyTimeout = bodyTimeout;
  }

  @Override
  void handle(String method, List<String> path, HttpServletRequest req, HttpServletResponse resp)
      throws IOException {
    Caller caller = callers.of(req);
    if (path.isEmpty()) {
      switch (method) {
        case "POST" -> withJsonBody(req, resp, bodyTimeout, body -> Json.write(resp, 201,
            Views.presign(service.presign(caller, parse(body)))));
        case "GET" -> {
          String status = req.getParameter("status");
          if (!"pending".equals(status)) {
            throw new ApiException(ErrorCode.INVALID_REQUEST,
                "expected status=pending (completed files are at api/files)");
          }
          Json.write(resp, 200, Map.of("uploads",
              service.pendingUploads(caller).stream().map(Views::pending).toList()));
        }
        default -> throw methodNotAllowed(resp, method, "GET, POST");
      }
    } else if (path.size() == 1) {
      if (!method.equals("DELETE")) {
        throw methodNotAllowed(resp, method, "DELETE");
      }
      service.delete(caller, path.get(0));
      resp.setStatus(204);
      resp.setHeader("Cache-Control", "no-store");
    } else if (path.size() == 2 && path.get(1).equals("complete")) {
      if (!method.equals("POST")) {
        throw methodNotAllowed(resp, method, "POST");
      }
      Json.write(resp, 200, Views.file(service.complete(caller, path.get(0)), service));
    } else if (path.size() == 2 && path.get(1).equals("parts")) {
      String id = path.get(0);
      switch (method) {
        case "POST" -> {
          // The id is checked before a byte of the body is read.
          service.requireMultipart(caller, id);
          withJsonBody(req, resp, bodyTimeout, body -> Json.write(resp, 200, Views.signedParts(
              service.signParts(caller, id, parseParts(body)))));
        }
        case "GET" -> Json.write(resp, 200, Views.storedParts(service.storedParts(caller, id)));
        default -> throw methodNotAllowed(resp, method, "GET, POST");
      }
    } else {
      throw noSuchPath(req);
    }
  }

  /** Checks the JSON shape (names and types); the service checks the values. */
  private static UploadRequest parse(Map<String, JsonElement> body) {
    for (String name : body.keySet()) {
      if (!FIELDS.contains(name)) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, "unknown field '"
            + name.replaceAll("\\p{Cntrl}", "?") + "'; expected filename, contentType, size"
            + " and optionally checksumSha256");
      }
    }
    return new UploadRequest(Json.string(body, "filename"), Json.string(body, "contentType"), size(body),
        Json.string(body, "checksumSha256"));
  }

  /** {@code {parts:[{partNumber, checksumSha256}, ...]}}: shapes here, values in the service. */
  private static List<PartRequest> parseParts(Map<String, JsonElement> body) {
    String expected = "expected {\"parts\":[{\"partNumber\":1,\"checksumSha256\":\"...\"}]}";
    if (body.size() != 1 || !(body.get("parts") instanceof JsonArray array)) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, expected);
    }
    List<PartRequest> parts = new ArrayList<>(array.size());
    for (JsonElement element : array) {
      if (!(element instanceof JsonObject part) || !part.has("partNumber")
          || !part.keySet().stream().allMatch(k -> k.equals("partNumber")
              || k.equals("checksumSha256"))) {
        throw new ApiException(ErrorCode.INVALID_REQUEST, expected);
      }
      Map<String, JsonElement> fields = part.asMap();
      parts.add(new PartRequest(partNumber(fields), Json.string(fields, "checksumSha256")));
    }
    return parts;
  }

  private static int partNumber(Map<String, JsonElement> part) {
    OptionalLong n = Json.wholeNumber(part.get("partNumber"), Integer.MIN_VALUE,
        Integer.MAX_VALUE);
    if (n.isEmpty()) {
      throw new ApiException(ErrorCode.INVALID_REQUEST, "partNumber must be a whole number");
    }
    return (int) n.getAsLong();
  }

  private static Long size(Map<String, JsonElement> body) {
    JsonElement value = body.get("size");
    if (value == null || value.isJsonNull()) {
      return null;
    }
    if (!(value instanceof JsonPrimitive p && p.isNumber())) {
      throw new ApiException(ErrorCode.INVALID_SIZE, "size must be a number of bytes");
    }
    OptionalLong size = Json.wholeNumber(value, Long.MIN_VALUE, Long.MAX_VALUE);
    if (size.isEmpty()) {
      String shown = p.getAsString();
      throw new ApiException(ErrorCode.INVALID_SIZE, "expected size to be a whole number of"
          + " bytes but was " + (shown.length() > 40 ? shown.substring(0, 40) + "…" : shown));
    }
    return size.getAsLong();
  }
}
