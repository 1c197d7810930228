"""The operator console: server-rendered pages at ``/admin`` (docs/console.md).

``include_console(app, settings)`` mounts it on a node's app (``_runtime.build_app``). Every page
needs a login (``_auth``: the admin token, or a configured user with a hashed password); the
session is a signed cookie (HttpOnly, SameSite=Strict, path ``/admin``) and every action is a
POST carrying the session's CSRF token. Pages read the node (``request.app.state.node``) through
the services, like the backend API; nothing here writes SQL.
"""

from openroam._admin._app import console_enabled, console_running, include_console

__all__ = ["console_enabled", "console_running", "include_console"]
