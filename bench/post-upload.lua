-- wrk script: POST api/uploads with a valid JSON body (the page's own request shape).
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"filename":"holiday photo (1).jpg","contentType":"image/jpeg","size":3456789}'
