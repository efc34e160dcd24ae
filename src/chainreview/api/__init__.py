"""The REST API: a face of the library, like `cli/`. Routes parse the request, call the library
(each call naming the `Caller` that `auth` made of the request) and serialize what it returns;
errors become HTTP statuses in one place (`errors`). See docs/api-http.md.
"""
