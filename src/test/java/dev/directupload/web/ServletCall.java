package dev.directupload.web;

import static org.mockito.ArgumentMatchers.anyInt;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.Mockito.doAnswer;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.directupload.testing.WholeBody;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * One request through a servlet with Mockito's request and response: the test states method,
 * path, headers and body, and reads back status, headers and the JSON written.
 */
final class ServletCall {
  int status = 200;
  final Map<String, String> headers = new HashMap<>();
  final ByteArrayOutputStream body = new ByteArrayOutputStream();
  String contentType;

  static ServletCall run(HttpServlet servlet, String method, String pathInfo, String query,
      String contentType, byte[] requestBody) throws Exception {
    ServletCall call = new ServletCall();
    HttpServletRequest req = mock(HttpServletRequest.class);
    when(req.getMethod()).thenReturn(method);
    when(req.getPathInfo()).thenReturn(pathInfo);
    when(req.getRequestURI()).thenReturn("/app/api/x" + (pathInfo == null ? "" : pathInfo));
    when(req.getContentType()).thenReturn(contentType);
    when(req.getScheme()).thenReturn("http");
    when(req.getServerName()).thenReturn("localhost");
    when(req.getServerPort()).thenReturn(8080);
    when(req.getContentLengthLong()).thenReturn(requestBody == null ? -1L : requestBody.length);
    Map<String, String> params = new HashMap<>();
    if (query != null) {
      for (String pair : query.split("&")) {
        String[] kv = pair.split("=", 2);
        params.put(kv[0], kv.length > 1 ? kv[1] : "");
      }
    }
    when(req.getParameter(anyString())).thenAnswer(i -> params.get(i.getArgument(0, String.class)));
    when(req.getInputStream()).thenReturn(new WholeBody(requestBody == null ? new byte[0]
        : requestBody));
    when(req.startAsync()).thenReturn(mock(AsyncContext.class));

    HttpServletResponse resp = mock(HttpServletResponse.class);
    doAnswer(i -> call.status = i.getArgument(0, Integer.class)).when(resp).setStatus(anyInt());
    doAnswer(i -> call.headers.put(i.getArgument(0, String.class).toLowerCase(),
        i.getArgument(1, String.class))).when(resp).setHeader(anyString(), anyString());
    doAnswer(i -> call.contentType = i.getArgument(0, String.class)).when(resp)
        .setContentType(anyString());
    when(resp.getOutputStream()).thenReturn(new CapturedOutput(call.body));
    servlet.service(req, resp);
    return call;
  }

  static ServletCall get(HttpServlet servlet, String pathInfo, String query) throws Exception {
    return run(servlet, "GET", pathInfo, query, null, null);
  }

  static ServletCall postJson(HttpServlet servlet, String pathInfo, String json) throws Exception {
    return run(servlet, "POST", pathInfo, null, "application/json",
        json.getBytes(StandardCharsets.UTF_8));
  }

  JsonObject json() {
    JsonElement parsed = JsonParser.parseString(body.toString(StandardCharsets.UTF_8));
    return parsed.getAsJsonObject();
  }

  /** The {@code error.code} of a JSON error answer. */
  String errorCode() {
    return json().getAsJsonObject("error").get("code").getAsString();
  }

  String errorMessage() {
    return json().getAsJsonObject("error").get("message").getAsString();
  }
}
