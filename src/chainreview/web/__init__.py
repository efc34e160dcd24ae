"""The web pages: server-rendered HTML over the same library and sessions as the REST API
(docs/web.md). A face like `api/` and `cli/`: pages parse a form, call the library with the
caller the session gives (`api.auth.session_caller`) and render what comes back."""
