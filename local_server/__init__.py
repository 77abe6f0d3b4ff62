"""The WSGI server of `make run` and `make stack`: gunicorn, set up so local capture is faithful.

Django's runserver (wsgiref) does not de-chunk request bodies (a chunked POST arrives empty and its
chunks are read as the next request), invents a Content-Type and an empty Content-Length for
requests that sent none, and starts a thread per request. gunicorn de-chunks and says so
(wsgi.input_terminated), passes on only the headers a client sent, and with sync workers serves one
request per process at a time, so a process holds at most one database connection, for its life.
"""

from local_server.server import ServerSettings, serve

__all__ = ["ServerSettings", "serve"]
