package dev.directupload.web;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import dev.directupload.upload.ApiException;
import dev.directupload.upload.ErrorCode;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.StringReader;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/** Reading request bodies and writing answers: the only place JSON text is made or parsed. */
final class Json {
  /** Our requests are a few hundred bytes; a small cap keeps a hostile body from costing memory. */
  static final int MAX_BODY_BYTES = 16 * 1024;

  private static final Gson GSON = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
  private static final TypeAdapter<JsonElement> ELEMENTS = GSON.getAdapter(JsonElement.class);

  /** Compiled once: {@code String.matches} would compile it again for every request. */
  private static final Pattern JSON_TYPE = Pattern.compile("application/json\\s*(;.*)?");

  private Json() {}

  /** Writes {@code body} as JSON with this status; API answers are never cached. */
  static void write(HttpServletResponse resp, int status, Object body) throws IOException {
    send(resp, status, text(body));
  }

  /** {@code body} as the JSON text every answer but the presign is made of. */
  static String text(Object body) {
    return GSON.toJson(body);
  }

  /**
   * Writes a JSON text made by {@link Text}: for the one answer whose speed matters, the presign,
   * where Gson's reflective writer costs more than signing the URL.
   */
  static void write(HttpServletResponse resp, int status, Text body) throws IOException {
    send(resp, status, body.close());
  }

  private static void send(HttpServletResponse resp, int status, String json) throws IOException {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    resp.setStatus(status);
    resp.setContentType("application/json;charset=UTF-8");
    resp.setHeader("Cache-Control", "no-store");
    resp.setContentLength(bytes.length);
    resp.getOutputStream().write(bytes);
  }

  /**
   * A JSON object written field by field, to exactly the text Gson makes with our settings
   * ({@code JsonTest} compares them): the same escapes, no HTML escaping, nulls written.
   */
  static final class Text {
    private final StringBuilder out = new StringBuilder(1024).append('{');

    Text field(String name, String value) {
      name(name);
      if (value == null) {
        out.append("null");
      } else {
        quote(value);
      }
      return this;
    }

    Text field(String name, long value) {
      name(name);
      out.append(value);
      return this;
    }

    Text field(String name, Map<String, String> value) {
      name(name);
      out.append('{');
      boolean first = true;
      for (Map.Entry<String, String> entry : value.entrySet()) {
        if (!first) {
          out.append(',');
        }
        first = false;
        quote(entry.getKey());
        out.append(':');
        quote(entry.getValue());
      }
      out.append('}');
      return this;
    }

    /** Opens a nested object; its fields follow, then {@link #end()}. */
    Text object(String name) {
      name(name);
      out.append('{');
      return this;
    }

    Text end() {
      out.append('}');
      return this;
    }

    private void name(String name) {
      if (out.charAt(out.length() - 1) != '{') {
        out.append(',');
      }
      quote(name);
      out.append(':');
    }

    private void quote(String value) {
      out.append('"');
      int start = 0;
      for (int i = 0; i < value.length(); i++) {
        char c = value.charAt(i);
        if (c >= 0x20 && c != '"' && c != '\\' && c != '\u2028' && c != '\u2029') {
          continue;
        }
        String escape = switch (c) {
          case '"' -> "\\\"";
          case '\\' -> "\\\\";
          case '\t' -> "\\t";
          case '\b' -> "\\b";
          case '\n' -> "\\n";
          case '\r' -> "\\r";
          case '\f' -> "\\f";
          default -> String.format(Locale.ROOT, "\\u%04x", (int) c);
        };
        out.append(value, start, i).append(escape);
        start = i + 1;
      }
      out.append(value, start, value.length()).append('"');
    }

    /** Closes the outer object and returns the text; call once, last. */
    String close() {
      return out.append('}').toString();
    }
  }

  /** The single mapping from an API error to HTTP: its status, {@code Retry-After}, JSON body. */
  static void writeError(HttpServletResponse resp, ApiException e) throws IOException {
    ObservedResponse.note(resp, e);
    ErrorCode code = e.code();
    if (e.retryAfterSeconds() > 0) {
      resp.setHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
    }
    write(resp, e.httpStatus(), Map.of("error", new ErrorBody(code.name(), e.getMessage())));
  }

  private record ErrorBody(String code, String message) {}

  /**
   * An API error as Companion answers errors, for Uppy: {@code {message}} (Uppy 5 shows a 4xx
   * answer's message to the user), with our {@code code} beside it; same status and
   * {@code Retry-After} as {@link #writeError}.
   */
  static void writeCompanionError(HttpServletResponse resp, ApiException e) throws IOException {
    ObservedResponse.note(resp, e);
    if (e.retryAfterSeconds() > 0) {
      resp.setHeader("Retry-After", Integer.toString(e.retryAfterSeconds()));
    }
    write(resp, e.httpStatus(), new CompanionError(e.getMessage(), e.code().name()));
  }

  private record CompanionError(String message, String code) {}

  /**
   * Refuses a body before a byte of it is read: it must be {@code application/json} and not
   * declare more than {@link #MAX_BODY_BYTES}.
   */
  static void checkBodyHeaders(HttpServletRequest req, int maxBytes) {
    String contentType = req.getContentType();
    if (contentType == null || !(contentType.equals("application/json")
        || JSON_TYPE.matcher(contentType.toLowerCase(Locale.ROOT).trim()).matches())) {
      throw new ApiException(ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "expected Content-Type application/json but was " + (contentType == null ? "none"
              : "'" + contentType.replaceAll("\\p{Cntrl}", "?") + "'"));
    }
    if (req.getContentLengthLong() > maxBytes) {
      throw tooLarge(maxBytes);
    }
  }

  /**
   * A request body's JSON object, read strictly: valid UTF-8, one object, no duplicate keys,
   * nothing after it.
   */
  static Map<String, JsonElement> parseObject(byte[] body) {
    return parseObject(body, MAX_BODY_BYTES);
  }

  /** {@link #parseObject(byte[])} for a body of up to {@code maxBytes}. */
  static Map<String, JsonElement> parseObject(byte[] body, int maxBytes) {
    if (body.length > maxBytes) {
      throw tooLarge(maxBytes);
    }
    String text = utf8(body);
    try (JsonReader reader = new JsonReader(new StringReader(text))) {
      reader.setStrictness(Strictness.STRICT);
      if (reader.peek() != JsonToken.BEGIN_OBJECT) {
        throw malformed("expected a JSON object");
      }
      Map<String, JsonElement> fields = new LinkedHashMap<>();
      reader.beginObject();
      while (reader.hasNext()) {
        String name = reader.nextName();
        if (fields.put(name, ELEMENTS.read(reader)) != null) {
          throw malformed("duplicate field '" + name + "'");
        }
      }
      reader.endObject();
      if (reader.peek() != JsonToken.END_DOCUMENT) {
        throw malformed("unexpected data after the JSON object");
      }
      return fields;
    } catch (JsonParseException | IllegalStateException | IOException e) {
      // The reader reads a String: every IOException here is a syntax error, none is I/O.
      throw malformed(e.getMessage() == null ? "not valid JSON"
          : e.getMessage().replaceAll("\\s*See https?://\\S+", ""));
    }
  }

  /** A string field of a request body; null when absent or null, a 400 when not a string. */
  static String string(Map<String, JsonElement> body, String name) {
    JsonElement value = body.get(name);
    if (value == null || value.isJsonNull()) {
      return null;
    }
    if (value instanceof JsonPrimitive p && p.isString()) {
      return p.getAsString();
    }
    throw new ApiException(ErrorCode.INVALID_REQUEST, name + " must be a string");
  }

  /**
   * A JSON number that must be a whole number in {@code [min, max]}; empty when it is not a
   * number, not whole, or out of range. Never throws: numbers such as {@code 1e99999}, which
   * Gson refuses to parse, are just bad input.
   */
  static OptionalLong wholeNumber(JsonElement value, long min, long max) {
    if (!(value instanceof JsonPrimitive p) || !p.isNumber()) {
      return OptionalLong.empty();
    }
    try {
      BigDecimal number = p.getAsBigDecimal();
      // More than 19 digits before the point cannot fit: never expand a huge exponent.
      if (number.precision() - number.scale() > 19) {
        return OptionalLong.empty();
      }
      long whole = number.stripTrailingZeros().longValueExact();
      return whole < min || whole > max ? OptionalLong.empty() : OptionalLong.of(whole);
    } catch (NumberFormatException | ArithmeticException e) {
      return OptionalLong.empty();
    }
  }

  private static String utf8(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw malformed("the body is not valid UTF-8");
    }
  }

  static ApiException tooLarge(int maxBytes) {
    return new ApiException(ErrorCode.BODY_TOO_LARGE,
        "expected a JSON body of at most " + maxBytes + " bytes");
  }

  private static ApiException malformed(String detail) {
    return new ApiException(ErrorCode.MALFORMED_JSON, "The request body is not valid JSON: " + detail);
  }
}
