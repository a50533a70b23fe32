"""The ASGI extensions of the mock's own server (direct_http), under `scope["extensions"]`.

On its direct routes the server has the whole request in hand before the application is
called and writes the whole answer at once, so two ASGI messages each way are only work.
An application that finds these keys may use them instead; under any other server (or on
uvicorn's own path) they are absent and the messages are used as ASGI says.
"""

# The request's whole body, bytes: what `receive` would hand over in one message.
WHOLE_BODY = "mock-doitong.whole-body"
# A callable `(status, raw headers, body)` taking a whole answer, as its two messages would.
WHOLE_ANSWER = "mock-doitong.whole-answer"
