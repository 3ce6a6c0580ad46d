"""The local web app (``emoshift serve``): FastAPI + a static page with a vendored three.js viewer.

See :mod:`emoshift.web.app` (routes) and :mod:`emoshift.web.jobs` (bounded queue, retention).
"""
